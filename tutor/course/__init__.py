"""The course as data: pydantic models of a lesson tree and the loader that checks it."""

from .loader import CheckResult, LessonError, Problem, check_tree, counts, default_lessons_dir, load_tree
from .models import LANGS, CourseTree, LessonContent, Text, Week

__all__ = [
    "LANGS",
    "CheckResult",
    "CourseTree",
    "LessonContent",
    "LessonError",
    "Problem",
    "Text",
    "Week",
    "check_tree",
    "counts",
    "default_lessons_dir",
    "load_tree",
]
