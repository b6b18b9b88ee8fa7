"""Words that belong to a fitness club, for the tests that a table unlike the club's is spoken of
as any business's (English and Russian; stems, case-insensitive), and the letters of Russian."""

from __future__ import annotations

import re

#: "training data" is the model's, not a member's workout.
FITNESS = re.compile(
    r"\b(?:train(?:ing(?!\s+data)|er)s?|workouts?|class(?:es)?|caf[ée]|club|gym|visits?)\b"
    r"|тренир|тренер|клуб|кафе|заняти|абонемент|посещ",
    re.IGNORECASE,
)

#: A Russian letter: text in Russian has some.
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def fitness_words(text: str) -> list[str]:
    """The fitness-club words in ``text``, in order."""
    return FITNESS.findall(text)
