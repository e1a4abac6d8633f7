"""Seeded synthetic recipe-title corpora, for agreement tests and benchmarks (no dataset download needed).

The titles imitate Epicurious titles and deliberately include what trips tokenizers: punctuation,
hyphens, apostrophes, quotes, fractions, abbreviations, accented words, repeated words and one-word
titles. Predictions are perturbed references (dropped, swapped, synonym-replaced or repeated words,
sometimes empty), so scores spread over the whole range.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_FOODS = (
    "chicken beef pork lamb salmon tuna shrimp prawns scallops cod halibut turkey duck sausage bacon ham "
    "tofu tempeh eggs lentils chickpeas beans rice quinoa farro barley couscous pasta spaghetti linguine "
    "penne noodles polenta risotto potatoes yams carrots beets parsnips onions shallots leeks garlic ginger "
    "kale spinach chard arugula lettuce cabbage broccoli cauliflower zucchini courgette eggplant aubergine "
    "squash pumpkin tomatoes peppers mushrooms asparagus peas corn fennel celery radishes cucumber avocado "
    "apples pears peaches plums cherries berries strawberries blueberries raspberries lemons limes oranges "
    "figs dates apricots mango pineapple coconut bananas grapes rhubarb cranberries walnuts pecans almonds "
    "pistachios hazelnuts cashews chocolate caramel vanilla cinnamon nutmeg cardamom saffron honey maple "
    "butter cream cheese feta ricotta parmesan cheddar yogurt buttermilk mustard vinegar cilantro coriander "
    "basil parsley mint thyme rosemary sage dill tarragon chives oregano"
).split()
_DISHES = (
    "salad soup stew chili curry tart pie cake cookies bars brownies muffins scones bread rolls biscuits "
    "pancakes waffles crepes frittata quiche omelet casserole gratin lasagna pizza tacos burritos burgers "
    "sandwiches skewers kebabs sauce salsa pesto chutney relish jam compote sorbet ice-cream granita "
    "pudding custard mousse cobbler crisp crumble galette trifle cheesecake shortcake fritters dumplings "
    "meatballs patties slaw dressing vinaigrette marinade glaze brine stock broth hash"
).split()
_METHODS = (
    "grilled roasted baked braised fried stir-fried pan-seared poached steamed smoked slow-cooked "
    "barbecued charred toasted caramelized pickled marinated stuffed glazed spiced spicy crispy creamy "
    "easy quick simple classic rustic warm chilled fresh homemade no-bake one-pot sheet-pan make-ahead"
).split()
_UNICODE = (
    "crème brûlée jalapeño piña colada gruyère açaí crêpes café pâté purée sautéed flambé niçoise "
    "bûche pho phở tōfu smörgåsbord crudités entrée rösti spätzle kölsch jamón"
).split()
_CONNECTORS = ("with", "and", "&", "in", "on", "over", "plus", "or", "with", "and")
_SYNONYMS = {
    "shrimp": "prawns",
    "prawns": "shrimp",
    "zucchini": "courgette",
    "courgette": "zucchini",
    "eggplant": "aubergine",
    "aubergine": "eggplant",
    "cilantro": "coriander",
    "coriander": "cilantro",
    "roasted": "baked",
    "baked": "roasted",
    "quick": "fast",
    "easy": "simple",
    "simple": "easy",
    "spicy": "hot",
    "warm": "hot",
    "sauce": "gravy",
    "stew": "fricassee",
    "cookies": "biscuits",
    "soup": "potage",
    "chilled": "cold",
    "cake": "cakes",
    "pie": "pies",
    "tart": "tarts",
}
_DECORATIONS = (
    "{t} (Vegan)",
    "{t} (Gluten-Free)",
    "Mom's {t}",
    "Grandma's {t}",
    "{t}, Two Ways",
    "The Best {t}",
    '"Everything" {t}',
    "{t}!",
    "{t}?",
    "{t}...",
    "{t} — Fast",
    "{t} – Light",
    "St. Louis-Style {t}",
    "Mrs. Smith's {t}",
    "Dr. Pepper {t}",
    "{t} vs. {u}",
    "No. 5 {t}",
    "{t} No. 2",
    "5-Minute {t}",
    "3-Ingredient {t}",
    "1 1/2-Hour {t}",
    "½-Cup {t}",
    "{t} for 2",
    "{t}: A Classic",
    "{t}; Serves 4",
    "It's {t}",
    "{t} Don't Skip",
    "Cooks' {t}",
    "Chef John’s {t}",
    "“Spicy” {t}",
    "‘Nduja {t}",
    "{t} [Raw]",
    "{t}/{u}",
    "{t} (and {u})",
    "BBQ {t}",
    "U.S. {t}",
    "{t} etc.",
    "Fig. 3 {t}",
    "{t} Jr.",
    "{t} @ Home",
    "10% {t}",
    "$5 {t}",
    "{t} #1",
    "{t} & {u}",
    "{t} — with {u}",
    "O'Brien {t}",
    "Rock'n'Roll {t}",
    "Mac 'n' {t}",
    "{t} 2.0",
    "{t}, 350°F",
    "{t} ... Really",
    "{T}",
    "{t}!!",
    "{t} (Serves 4).",
)


@dataclass(frozen=True)
class TitleCorpus:
    predictions: list[str]
    references: list[list[str]]


def _title(rng: random.Random) -> str:
    if rng.random() < 0.06:
        return rng.choice(_FOODS + _DISHES).capitalize()  # one-word title
    words: list[str] = []
    if rng.random() < 0.6:
        words.append(rng.choice(_METHODS))
    if rng.random() < 0.15:
        words.append(rng.choice(_UNICODE))
    words.append(rng.choice(_FOODS))
    if rng.random() < 0.2:
        words.append(words[-1])  # repeated word
    words.append(rng.choice(_DISHES))
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        words += [rng.choice(_CONNECTORS), rng.choice(_FOODS)]
    title = " ".join(words)
    style = rng.random()
    if style < 0.6:
        title = " ".join(w[:1].upper() + w[1:] for w in title.split(" "))
    elif style < 0.7:
        title = title.upper()
    if rng.random() < 0.45:
        other = rng.choice(_FOODS).capitalize()
        title = rng.choice(_DECORATIONS).format(t=title, u=other, T=title.upper())
    return title


def _perturb(reference: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return ""
    words = reference.split(" ")
    if roll < 0.12:
        return reference
    out = []
    for word in words:
        r = rng.random()
        key = word.lower()
        if r < 0.1:
            continue
        if r < 0.25 and key in _SYNONYMS:
            word = _SYNONYMS[key]
        elif r < 0.35:
            word = rng.choice(_FOODS + _DISHES + _METHODS)
        elif r < 0.4:
            out.append(word)
        out.append(word)
    if rng.random() < 0.15 and len(out) > 2:
        rng.shuffle(out)
    if rng.random() < 0.3:
        out = [w.lower() for w in out]
    return " ".join(out)


def title_corpus(pairs: int, seed: int = 0, references_per_title: int = 1) -> TitleCorpus:
    """``pairs`` predictions, each with ``references_per_title`` reference titles."""
    rng = random.Random(seed)
    references = [[_title(rng) for _ in range(references_per_title)] for _ in range(pairs)]
    predictions = [_perturb(refs[0], rng) for refs in references]
    return TitleCorpus(predictions, references)
