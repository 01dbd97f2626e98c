"""Reports for L&D (``recsvc report <name>``): each writes Markdown, JSON and plots to a folder.

One module per report; the command line (:mod:`recsvc.cli`) adds one subcommand each.
Plot files have stable names so other pages (the explorer) can link to them.
"""
