"""Answers for the search benchmarks: applicants with accented names, a
national register number, an e-mail, an address and a comment of words
drawn from a vocabulary of unequal frequencies (as in real answers)."""

from stdnum.be import nn

import random


_GIVEN = (
    "Élodie Jeanne Marc Hélène François Zoé Noé Léa Théo Chloé Maël Inès "
    "Jérôme Anaïs Benoît Cécile Gaëlle Loïc Mathéo Océane Ségolène Aurélie "
    "Pieter Jan Anke Wouter Lotte Sven Jürgen Käthe"
)
_FAMILY_SYLLABLES = (
    "lam ber dur and pont du mar tin ro bert lu cas go de froid van den "
    "bos pee ters ja cobs wil lems mer tens claes goos sens ver straeten"
)
_STREETS = "rue avenue chaussée place chemin drève boulevard impasse quai sentier"
_LOCALITIES = (
    "Namur Jambes Liège Mons Charleroi Wavre Arlon Dinant Huy Tournai Ciney "
    "Gembloux Andenne Nivelles Ottignies Bastogne Marche Spa Verviers Eupen"
)
GIVEN = _GIVEN.split()
FAMILY_SYLLABLES = _FAMILY_SYLLABLES.split()
STREETS = _STREETS.split()
LOCALITIES = _LOCALITIES.split()


def family_names(count: int = 2_000) -> list[str]:
    rng = random.Random(7)
    names = set()
    while len(names) < count:
        parts = rng.sample(FAMILY_SYLLABLES, rng.choice((2, 3)))
        names.add("".join(parts).capitalize())
    return sorted(names)


def vocabulary(count: int = 5_000) -> list[str]:
    """Made-up words of 4 to 12 letters, some accented."""
    rng = random.Random(11)
    letters = "abcdefghijlmnoprstuvéèàç"
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 12))))
    return sorted(words)


def national_number(rng: random.Random) -> str:
    """A valid Belgian national register number (born in the 1900s)."""
    while True:
        base = (
            f"{rng.randint(30, 99):02d}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}{rng.randint(1, 997):03d}"
        )
        number = f"{base}{97 - int(base) % 97:02d}"
        if nn.is_valid(number):
            return number


class Answers:
    """``answers(n)``: the answers of the n-th filing (the same for a given
    n, whatever the total)."""

    def __init__(self):
        self.families = family_names()
        self.words = vocabulary()
        # Zipf-like: the k-th word is drawn with a weight of 1/k.
        self.weights = [1 / (k + 1) for k in range(len(self.words))]

    def __call__(self, n: int) -> dict:
        rng = random.Random(n)
        given, family = rng.choice(GIVEN), rng.choice(self.families)
        comment = rng.choices(self.words, self.weights, k=rng.randint(5, 30))
        return {
            "first_name": given,
            "last_name": family,
            "email": f"{given}.{family}{n}@example.be".lower(),
            "national_number": national_number(rng),
            "address": {
                "street": f"{rng.choice(STREETS)} {rng.choice(self.families)}",
                "number": str(rng.randint(1, 200)),
                "postal_code": str(rng.randint(1000, 9999)),
                "locality": rng.choice(LOCALITIES),
            },
            "comment": " ".join(comment).capitalize() + ".",
        }
