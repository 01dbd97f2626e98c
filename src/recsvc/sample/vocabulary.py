"""The catalogue's wording: topics per skill, level and format words, titles and descriptions.

Texts are built from the skill, level and format that drive behaviour, so that text models
(TF-IDF) find the same structure ("Intermediate SQL: joins and window functions").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsvc.contract import CONTENT_FORMATS

__all__ = [
    "FORMAT_PHRASES",
    "LEVEL_ADJECTIVES",
    "LEVEL_WORDS",
    "PROVIDERS",
    "FORMAT_SUFFIX",
    "TOPICS",
    "topics_for",
    "write_texts",
]

LEVEL_WORDS: dict[int, str] = {
    1: "Introduction to",
    2: "Foundations of",
    3: "Intermediate",
    4: "Advanced",
    5: "Expert",
}

LEVEL_ADJECTIVES: dict[int, str] = {
    1: "beginner",
    2: "foundation",
    3: "intermediate",
    4: "advanced",
    5: "expert",
}

FORMAT_PHRASES: dict[str, str] = {
    "course": "self-paced online course",
    "video": "short video",
    "article": "article",
    "podcast": "podcast episode",
    "classroom": "instructor-led classroom workshop",
    "mentoring": "mentoring programme with an experienced colleague",
    "project": "hands-on stretch project",
    "assessment": "skills assessment with feedback",
}

PROVIDERS: tuple[str, ...] = (
    "Internal Academy",
    "LinkedIn Learning",
    "Coursera",
    "Udemy Business",
    "Pluralsight",
    "O'Reilly",
    "Skillsoft",
    "Harvard ManageMentor",
)

TOPICS: dict[str, tuple[str, ...]] = {
    "Reading Comprehension": (
        "reading reports quickly",
        "summarising technical documents",
        "critical reading of contracts",
    ),
    "Active Listening": (
        "listening in meetings",
        "asking clarifying questions",
        "listening to customers",
    ),
    "Writing": ("clear business emails", "writing reports", "plain language", "storytelling"),
    "Speaking": ("presenting with confidence", "public speaking", "pitching ideas"),
    "Mathematics": ("business arithmetic", "statistics basics", "probability", "linear algebra"),
    "Science": ("the scientific method", "experiment design", "evidence-based decisions"),
    "Critical Thinking": ("logical reasoning", "cognitive biases", "evaluating arguments"),
    "Active Learning": ("learning how to learn", "applying new knowledge", "growth mindset"),
    "Learning Strategies": ("teaching methods", "designing training", "coaching for learning"),
    "Monitoring": ("tracking performance", "KPIs and dashboards", "self-assessment"),
    "Social Perceptiveness": ("emotional intelligence", "empathy at work", "reading the room"),
    "Coordination": ("cross-team coordination", "stakeholder alignment", "running handovers"),
    "Persuasion": ("influencing without authority", "persuasive writing", "changing minds"),
    "Negotiation": ("negotiation tactics", "preparing your BATNA", "win-win agreements"),
    "Instructing": ("teaching colleagues", "onboarding new hires", "giving demonstrations"),
    "Service Orientation": (
        "customer service excellence",
        "handling complaints",
        "customer experience",
    ),
    "Complex Problem Solving": (
        "root cause analysis",
        "structured problem solving",
        "design thinking",
    ),
    "Operations Analysis": (
        "requirements analysis",
        "process mapping",
        "user needs and product design",
    ),
    "Technology Design": (
        "system design",
        "prototyping",
        "technical architecture",
    ),
    "Equipment Selection": ("choosing tools and equipment", "vendor evaluation", "tool selection"),
    "Installation": ("installing software", "setting up equipment", "configuration management"),
    "Programming": (
        "writing clean code",
        "algorithms and data structures",
        "debugging",
        "version control with git",
    ),
    "Operations Monitoring": (
        "monitoring systems",
        "alerting and observability",
        "gauges and dials",
    ),
    "Operation and Control": ("operating systems and processes", "process control", "runbooks"),
    "Equipment Maintenance": ("preventive maintenance", "maintenance schedules", "equipment care"),
    "Troubleshooting": ("troubleshooting faults", "incident response", "diagnosing errors"),
    "Repairing": ("repairing machines", "fixing hardware", "repair procedures"),
    "Quality Control Analysis": (
        "quality assurance",
        "testing and inspection",
        "statistical process control",
    ),
    "Judgment and Decision Making": (
        "making decisions under uncertainty",
        "weighing costs and benefits",
        "decision frameworks",
    ),
    "Systems Analysis": ("systems thinking", "analysing how systems work", "impact analysis"),
    "Systems Evaluation": ("measuring system performance", "evaluation metrics", "OKRs"),
    "Time Management": ("prioritisation", "managing your calendar", "avoiding procrastination"),
    "Management of Financial Resources": (
        "budgeting",
        "financial planning",
        "reading a balance sheet",
        "cost control",
    ),
    "Management of Material Resources": (
        "inventory management",
        "procurement",
        "managing facilities and supplies",
    ),
    "Management of Personnel Resources": (
        "leading teams",
        "hiring and motivating people",
        "performance reviews",
        "delegation",
    ),
    "CRM Systems": ("Salesforce basics", "pipeline management in CRM", "customer data hygiene"),
    "Project Management Tools": (
        "Jira boards and sprints",
        "project planning with Gantt charts",
        "agile and scrum",
    ),
    "SQL": ("SELECT queries", "joins and window functions", "query optimisation", "data modelling"),
    "Spreadsheets": ("Excel formulas", "pivot tables", "spreadsheet modelling", "lookup functions"),
    "Cloud Computing": (
        "cloud fundamentals",
        "AWS and Azure services",
        "containers and Kubernetes",
    ),
    "Data Visualisation": ("dashboards in Power BI", "Tableau charts", "visual storytelling"),
    "Python": ("Python syntax", "pandas data analysis", "automation scripts", "testing in Python"),
    "Machine Learning": (
        "regression and classification",
        "model evaluation",
        "scikit-learn pipelines",
        "feature engineering",
    ),
    "Generative AI": (
        "prompt engineering",
        "large language models",
        "responsible AI",
        "AI assistants at work",
    ),
}


def topics_for(skill_name: str) -> tuple[str, ...]:
    """Topics of a skill; a generic fallback keeps unknown skills usable."""
    return TOPICS.get(skill_name, (f"{skill_name.lower()} essentials", "practical exercises"))


FORMAT_SUFFIX = {
    "course": "",
    "video": " (video)",
    "article": " (article)",
    "podcast": " (podcast)",
    "classroom": " - classroom workshop",
    "mentoring": " - mentoring programme",
    "project": " - stretch project",
    "assessment": " - skills check",
}


def write_texts(
    rng: np.random.Generator,
    names: list[str],
    cat: dict[str, npt.NDArray[np.int64]],
    duration: npt.NDArray[np.float64],
) -> tuple[list[str], list[str]]:
    """Title and description of each item from its skill, level, format and related skills."""
    pick = rng.integers(0, 1 << 30, size=(len(duration), 3))
    titles: list[str] = []
    descriptions: list[str] = []
    for i in range(len(duration)):
        s, lvl, f = int(cat["skill"][i]), int(cat["level"][i]), CONTENT_FORMATS[cat["fmt"][i]]
        topics = topics_for(names[s])
        t1 = topics[pick[i, 0] % len(topics)]
        t2 = topics[pick[i, 1] % len(topics)]
        titles.append(f"{LEVEL_WORDS[lvl]} {names[s]}: {t1}{FORMAT_SUFFIX[f]}")
        length = (
            f"{int(duration[i])}-minute" if duration[i] < 120 else f"{duration[i] / 60:.0f}-hour"
        )
        text = f"A {length} {FORMAT_PHRASES[f]} on {t1}"
        text += f" and {t2}." if t2 != t1 else "."
        text += f" Takes {names[s].lower()} to {LEVEL_ADJECTIVES[lvl]} level"
        related = [names[j] for j in cat["secondary"][i] if j >= 0]
        if related:
            other = topics_for(related[0])
            text += f"; also covers {', '.join(related)} ({other[pick[i, 2] % len(other)]})"
        descriptions.append(text + ".")
    return titles, descriptions
