"""Generate the bundled ``sample`` dataset (``foodcap ... --dataset sample``) in the Kaggle layout.

Every title follows from the picture, so a tiny captioner can learn it: the dish is a shape
(soup = bowl, pizza = sliced disc, burger = stacked bars...), the ingredient a colour and the
garnish small marks, e.g. "Tomato Soup with Basil". A few rows are dirty on purpose, one per
cleaning rule of ``foodcap.dataset``. The output depends only on SEED:

    python packages/foodcap-core/scripts/make_sample_dataset.py [OUT_DIR]

OUT_DIR defaults to the package's ``src/foodcap/dataset/sample_data``.
"""

from __future__ import annotations

import csv
import io
import math
import random
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from foodcap.dataset.kaggle_layout import CSV_NAME, IMAGE_SUFFIX, IMAGES_DIR
from foodcap.dataset.titles import title_slug

SEED = 20240601
CLEAN_DISHES = 300
REPEATED_TITLES = 10  # drawn twice, like the real data's recurring titles
WIDTH, HEIGHT = 274, 169  # the Kaggle images' size
SUPERSAMPLE = 2  # draw large, then shrink: smooth edges
JPEG_QUALITY = 80
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "foodcap" / "dataset" / "sample_data"

Colour = tuple[int, int, int]
Box = tuple[float, float, float, float]

INGREDIENTS: dict[str, Colour] = {
    "Tomato": (214, 45, 32),
    "Spinach": (63, 155, 58),
    "Blueberry": (59, 76, 192),
    "Pumpkin": (240, 138, 36),
    "Lemon": (244, 208, 63),
    "Mushroom": (139, 90, 43),
    "Beet": (160, 32, 106),
    "Coconut": (247, 241, 220),
}
DISHES = ("Soup", "Pizza", "Burger", "Salad", "Tart", "Pasta", "Cake", "Smoothie")
GARNISHES: tuple[str | None, ...] = (None, "Basil", "Feta", "Jalapeño", "Sesame")
TABLES: tuple[Colour, ...] = ((217, 185, 155), (91, 103, 112), (236, 230, 218), (47, 49, 54), (207, 224, 234))
PLATE: Colour = (201, 211, 218)
CRUST: Colour = (214, 160, 90)
CREAM: Colour = (250, 240, 222)
DARK: Colour = (60, 45, 35)


class Draws:
    """Random draws built on ``Random.random`` alone: the one method whose sequence Python keeps
    identical across versions for a given seed (``choice``, ``shuffle``... may change)."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._random.random()

    def index(self, n: int) -> int:
        return min(int(self._random.random() * n), n - 1)

    def shuffled(self, items: Sequence[object]) -> list:
        result = list(items)
        for i in range(len(result) - 1, 0, -1):
            j = self.index(i + 1)
            result[i], result[j] = result[j], result[i]
        return result


@dataclass(frozen=True)
class Dish:
    ingredient: str
    dish: str
    garnish: str | None

    @property
    def title(self) -> str:
        base = f"{self.ingredient} {self.dish}"
        return f"{base} with {self.garnish}" if self.garnish else base


# --- drawing -----------------------------------------------------------------------------------


def shade(colour: Colour, factor: float) -> Colour:
    return tuple(max(0, min(255, round(c * factor))) for c in colour)  # type: ignore[return-value]


def disc(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, fill: Colour, outline: Colour | None = None) -> None:
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=3)


def leaf(draw: ImageDraw.ImageDraw, x: float, y: float, size: float, angle: float, fill: Colour) -> None:
    """A pointed leaf: a rotated diamond."""
    along, across = (math.cos(angle), math.sin(angle)), (-math.sin(angle), math.cos(angle))
    points = [
        (x + along[0] * size, y + along[1] * size),
        (x + across[0] * size * 0.45, y + across[1] * size * 0.45),
        (x - along[0] * size, y - along[1] * size),
        (x - across[0] * size * 0.45, y - across[1] * size * 0.45),
    ]
    draw.polygon(points, fill=fill)


def draw_soup(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    disc(draw, x, y, r, (238, 238, 232), outline=(170, 170, 165))
    disc(draw, x, y, r * 0.78, colour)
    return (x - r * 0.55, y - r * 0.55, x + r * 0.55, y + r * 0.55)


def draw_pizza(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    disc(draw, x, y, r, CRUST)
    disc(draw, x, y, r * 0.86, colour)
    start = draws.uniform(0, math.pi)
    for k in range(3):
        angle = start + k * math.pi / 3
        dx, dy = math.cos(angle) * r * 0.86, math.sin(angle) * r * 0.86
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=shade(CRUST, 0.6), width=4)
    return (x - r * 0.6, y - r * 0.6, x + r * 0.6, y + r * 0.6)


def draw_burger(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    half = r * 0.85
    draw.chord((x - half, y - r * 0.75, x + half, y + r * 0.15), 180, 360, fill=CRUST)
    draw.rounded_rectangle((x - half * 1.05, y - r * 0.28, x + half * 1.05, y + r * 0.12), r * 0.12, fill=colour)
    draw.rounded_rectangle((x - half, y + r * 0.16, x + half, y + r * 0.45), r * 0.08, fill=CRUST)
    return (x - half * 0.7, y - r * 0.6, x + half * 0.7, y - r * 0.4)


def draw_salad(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    disc(draw, x, y, r, PLATE)
    for _ in range(28):
        angle, distance = draws.uniform(0, 2 * math.pi), r * 0.68 * math.sqrt(draws.uniform(0, 1))
        tone = shade(colour, draws.uniform(0.8, 1.1))
        leaf(
            draw,
            x + math.cos(angle) * distance,
            y + math.sin(angle) * distance,
            r * 0.2,
            draws.uniform(0, math.pi),
            tone,
        )
    return (x - r * 0.55, y - r * 0.55, x + r * 0.55, y + r * 0.55)


def draw_tart(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    for k in range(18):
        angle = 2 * math.pi * k / 18
        disc(draw, x + math.cos(angle) * r * 0.88, y + math.sin(angle) * r * 0.88, r * 0.14, CRUST)
    disc(draw, x, y, r * 0.9, CRUST)
    disc(draw, x, y, r * 0.74, colour)
    return (x - r * 0.5, y - r * 0.5, x + r * 0.5, y + r * 0.5)


def draw_pasta(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    disc(draw, x, y, r, PLATE)
    for k in range(8):
        row_y = y - r * 0.55 + k * r * 0.155
        phase = draws.uniform(0, 2 * math.pi)
        half = math.sqrt(max(r * r * 0.6 - (row_y - y) ** 2, 0))
        points = [(x - half + t * 2 * half / 24, row_y + math.sin(phase + t * 0.9) * r * 0.06) for t in range(25)]
        draw.line(points, fill=shade(colour, 0.9 + 0.03 * (k % 3)), width=int(r * 0.08), joint="curve")
    return (x - r * 0.5, y - r * 0.5, x + r * 0.5, y + r * 0.5)


def draw_cake(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    draw.ellipse((x - r * 1.1, y + r * 0.5, x + r * 1.1, y + r * 0.8), fill=PLATE)
    left, right, top, bottom = x - r * 0.8, x + r * 0.8, y - r * 0.55, y + r * 0.62
    draw.rectangle((left, top, right, bottom), fill=colour)
    draw.rectangle((left, top - r * 0.15, right, top), fill=CREAM)
    for k in (1, 2):
        band = top + (bottom - top) * k / 3
        draw.rectangle((left, band - r * 0.04, right, band + r * 0.04), fill=CREAM)
    return (left + r * 0.1, top - r * 0.35, right - r * 0.1, top - r * 0.05)


def draw_smoothie(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour, draws: Draws) -> Box:
    top, bottom = y - r * 0.85, y + r * 0.85
    glass = [(x - r * 0.5, top), (x + r * 0.5, top), (x + r * 0.36, bottom), (x - r * 0.36, bottom)]
    draw.polygon(glass, fill=(225, 234, 238))
    level = top + r * 0.25
    draw.polygon(
        [(x - r * 0.47, level), (x + r * 0.47, level), (x + r * 0.36, bottom - 4), (x - r * 0.36, bottom - 4)],
        fill=colour,
    )
    draw.line((x + r * 0.1, top + r * 0.3, x + r * 0.35, top - r * 0.5), fill=DARK, width=int(r * 0.07))
    return (x - r * 0.4, top + r * 0.28, x + r * 0.4, top + r * 0.7)


def garnish_basil(draw: ImageDraw.ImageDraw, box: Box, r: float, draws: Draws) -> None:
    for x, y in scatter(box, 6, draws):
        leaf(draw, x, y, r * 0.16, draws.uniform(0, math.pi), (26, 92, 36))


def garnish_feta(draw: ImageDraw.ImageDraw, box: Box, r: float, draws: Draws) -> None:
    side = r * 0.07
    for x, y in scatter(box, 7, draws):
        draw.rectangle((x - side, y - side, x + side, y + side), fill=(252, 252, 246), outline=(150, 150, 140), width=2)


def garnish_jalapeno(draw: ImageDraw.ImageDraw, box: Box, r: float, draws: Draws) -> None:
    for x, y in scatter(box, 5, draws):
        disc(draw, x, y, r * 0.11, (212, 222, 140))
        draw.ellipse(
            (x - r * 0.11, y - r * 0.11, x + r * 0.11, y + r * 0.11), outline=(40, 130, 30), width=int(r * 0.04)
        )


def garnish_sesame(draw: ImageDraw.ImageDraw, box: Box, r: float, draws: Draws) -> None:
    for x, y in scatter(box, 30, draws):
        draw.ellipse((x - r * 0.03, y - r * 0.018, x + r * 0.03, y + r * 0.018), fill=(30, 26, 22))


def scatter(box: Box, n: int, draws: Draws) -> list[tuple[float, float]]:
    return [(draws.uniform(box[0], box[2]), draws.uniform(box[1], box[3])) for _ in range(n)]


DRAW_DISH: dict[str, Callable[..., Box]] = {
    "Soup": draw_soup,
    "Pizza": draw_pizza,
    "Burger": draw_burger,
    "Salad": draw_salad,
    "Tart": draw_tart,
    "Pasta": draw_pasta,
    "Cake": draw_cake,
    "Smoothie": draw_smoothie,
}
DRAW_GARNISH: dict[str, Callable[..., None]] = {
    "Basil": garnish_basil,
    "Feta": garnish_feta,
    "Jalapeño": garnish_jalapeno,
    "Sesame": garnish_sesame,
}


def picture(dish: Dish, draws: Draws, transparent: bool = False) -> Image.Image:
    """The dish on a table (or, with ``transparent``, on nothing), at the Kaggle image size."""
    size = (WIDTH * SUPERSAMPLE, HEIGHT * SUPERSAMPLE)
    table = TABLES[draws.index(len(TABLES))]
    canvas = Image.new("RGBA", size, (0, 0, 0, 0)) if transparent else Image.new("RGB", size, table)
    draw = ImageDraw.Draw(canvas)
    if not transparent and draws.index(2):  # wood-like grain on half of the tables
        for k in range(0, size[1], 23):
            draw.line((0, k, size[0], k + draws.uniform(-6, 6)), fill=shade(table, 0.93), width=3)
    x = size[0] / 2 + draws.uniform(-70, 70)
    y = size[1] / 2 + draws.uniform(-25, 25)
    r = size[1] * 0.36 * draws.uniform(0.85, 1.05)
    box = DRAW_DISH[dish.dish](draw, x, y, r, INGREDIENTS[dish.ingredient], draws)
    if dish.garnish:
        DRAW_GARNISH[dish.garnish](draw, box, r, draws)
    # A 2x2 box average: smooth edges, cheap, and exact integer arithmetic.
    return canvas.resize((WIDTH, HEIGHT), Image.Resampling.BOX)


def encode(image: Image.Image, image_format: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(buffer, format=image_format, optimize=True)
    return buffer.getvalue()


# --- rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One CSV row and the image file it comes with (None: no file is written)."""

    title: str
    image_name: str
    dish: Dish
    file_name: str | None
    content: bytes | None


def clean_rows(draws: Draws) -> list[Row]:
    combos = [Dish(i, d, g) for d in DISHES for i in INGREDIENTS for g in GARNISHES]
    chosen = draws.shuffled(combos)[: CLEAN_DISHES - REPEATED_TITLES]
    chosen += [chosen[draws.index(len(chosen))] for _ in range(REPEATED_TITLES)]
    used: set[str] = set()
    rows = []
    for dish in chosen:
        name = title_slug(dish.title)
        if name in used:  # Epicurious appends a number when a slug is taken
            name = f"{name}-{100000 + draws.index(900000)}"
        used.add(name)
        rows.append(Row(dish.title, name, dish, name + IMAGE_SUFFIX, encode(picture(dish, draws))))
    return rows


def dirty_rows(draws: Draws) -> list[Row]:
    """One row per cleaning rule. Names carry a number, as taken Epicurious slugs do, so none
    collides with a clean row's file."""

    def row(title: str, dish: Dish, image_name: str, content: bytes | None = None, file_name: str | None = None) -> Row:
        if content is not None and file_name is None:
            file_name = image_name + IMAGE_SUFFIX
        return Row(title, image_name, dish, file_name, content)

    def drawn(dish: Dish, mode: str = "RGB", transparent: bool = False) -> Image.Image:
        image = picture(dish, draws, transparent)
        if mode == "P":
            return image.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
        return image if mode == "RGB" or transparent else image.convert(mode)

    quoted = '"Classic" Tomato Soup with Basil'
    truncated = encode(drawn(Dish("Mushroom", "Tart", None)))
    return [
        # Excel damage of a name starting with "-": recoverable, the file is there...
        row(
            quoted,
            Dish("Tomato", "Soup", "Basil"),
            "#NAME?",
            encode(drawn(Dish("Tomato", "Soup", "Basil"))),
            file_name=title_slug(quoted) + "-56389813" + IMAGE_SUFFIX,
        ),
        # ...and unrecoverable: no file matches the title.
        row('"Secret" Lemon Cake', Dish("Lemon", "Cake", None), "#NAME?"),
        row("", Dish("Spinach", "Pizza", None), "spinach-pizza-610233", encode(drawn(Dish("Spinach", "Pizza", None)))),
        row("Pumpkin Pasta", Dish("Pumpkin", "Pasta", None), ""),
        row("Beet Salad with Feta", Dish("Beet", "Salad", "Feta"), "beet-salad-with-feta-304912"),
        row("Coconut Cake", Dish("Coconut", "Cake", None), "coconut-cake-518840", b""),
        row(
            "Mushroom Tart",
            Dish("Mushroom", "Tart", None),
            "mushroom-tart-402267",
            truncated[: len(truncated) * 3 // 5],
        ),
        row(
            "Lemon Smoothie",
            Dish("Lemon", "Smoothie", None),
            "lemon-smoothie-230119",
            b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n",
        ),
        # Usable, but not RGB: converted when decoded (names stay .jpg, as in the real data).
        row(
            "Blueberry Burger with Feta",
            Dish("Blueberry", "Burger", "Feta"),
            "blueberry-burger-with-feta-713350",
            encode(drawn(Dish("Blueberry", "Burger", "Feta"), "L")),
        ),
        row(
            "Beet Tart with Sesame",
            Dish("Beet", "Tart", "Sesame"),
            "beet-tart-with-sesame-129574",
            encode(drawn(Dish("Beet", "Tart", "Sesame"), "CMYK")),
        ),
        row(
            "Pumpkin Pizza with Basil",
            Dish("Pumpkin", "Pizza", "Basil"),
            "pumpkin-pizza-with-basil-845021",
            encode(drawn(Dish("Pumpkin", "Pizza", "Basil"), "P"), "PNG"),
        ),
        row(
            "Lemon Salad with Jalapeño",
            Dish("Lemon", "Salad", "Jalapeño"),
            "lemon-salad-with-jalapeno-336871",
            encode(drawn(Dish("Lemon", "Salad", "Jalapeño"), transparent=True), "PNG"),
        ),
        # Titles that need cleaning; they still name what is drawn.
        row(
            "Pumpkin\tSoup with\x07 Sesame",
            Dish("Pumpkin", "Soup", "Sesame"),
            "pumpkin-soup-with-sesame-771205",
            encode(drawn(Dish("Pumpkin", "Soup", "Sesame"))),
        ),
        row(
            "  Spinach   Salad with Feta \u00a0",
            Dish("Spinach", "Salad", "Feta"),
            "spinach-salad-with-feta-882139",
            encode(drawn(Dish("Spinach", "Salad", "Feta"))),
        ),
    ]


def recipe_fields(dish: Dish) -> tuple[str, str, str]:
    """Ingredients, Instructions (multi-line, as in the real CSV) and Cleaned_Ingredients."""
    main = dish.ingredient.lower()
    cleaned = [f"{main}", "olive oil", "kosher salt"] + ([dish.garnish.lower()] if dish.garnish else [])
    amounts = ["2 cups ", "1 tablespoon ", "1/2 teaspoon ", "1 small handful "]
    ingredients = [amount + name for amount, name in zip(amounts, cleaned)]
    steps = [f"Prepare the {main} and season with salt.", f"Cook the {dish.dish.lower()} until done."]
    if dish.garnish:
        steps.append(f"Serve topped with {dish.garnish.lower()}.")
    return str(ingredients), "\n".join(steps), str(cleaned)


def make_sample(out: Path, seed: int = SEED) -> None:
    """Write the CSV and the images under ``out``, replacing what an earlier run wrote there."""
    draws = Draws(seed)
    rows = clean_rows(draws)
    dirty = dirty_rows(draws)
    # Spread the dirty rows through the file, as in real data, at fixed positions.
    for k, row in enumerate(dirty):
        rows.insert((k + 1) * len(rows) // (len(dirty) + 1), row)

    file_names = [row.file_name for row in rows if row.file_name is not None]
    if len(set(file_names)) != len(file_names):
        raise SystemExit("two rows would write the same image file; change a dirty row's number")
    images = out / IMAGES_DIR / IMAGES_DIR
    if images.parent.exists():
        shutil.rmtree(images.parent)
    images.mkdir(parents=True)
    with open(out / CSV_NAME, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["", "Title", "Ingredients", "Instructions", "Image_Name", "Cleaned_Ingredients"])
        for number, row in enumerate(rows):
            ingredients, instructions, cleaned = recipe_fields(row.dish)
            writer.writerow([number, row.title, ingredients, instructions, row.image_name, cleaned])
            if row.file_name is not None and row.content is not None:
                (images / row.file_name).write_bytes(row.content)


def main(argv: Sequence[str] = ()) -> None:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    make_sample(out)
    files = list((out / IMAGES_DIR / IMAGES_DIR).iterdir())
    total = sum(f.stat().st_size for f in files) + (out / CSV_NAME).stat().st_size
    print(f"wrote {len(files)} images and {CSV_NAME} to {out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
