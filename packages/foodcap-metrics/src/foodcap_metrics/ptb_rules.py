"""The token rules of Stanford's PTBLexer (CoreNLP 3.4.1, the jar pycocoevalcap ships), as Python regexes.

The lexer is a JFlex scanner: at each position the rule with the longest match wins (trailing context
included), ties go to the earlier rule. The rules follow the lexer's specification as of that release
and were checked against the jar itself (see the tests). ``%caseless`` in the original applies to
literal strings only, never to character classes: :func:`ci` spells literals out in both cases and
leaves classes as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex


def ci(literal: str) -> str:
    """A JFlex ``%caseless`` literal: letters match either case; ``[...]`` classes stay as written.

    (The ``regex`` module's scoped ``(?i:...)`` mis-handles some alternations, so letters are spelled out.)
    """
    out = []
    index = 0
    while index < len(literal):
        char = literal[index]
        if char == "\\":
            out.append(literal[index : index + 2])
            index += 2
        elif char == "[":
            close = literal.index("]", index + 1)
            out.append(literal[index : close + 1])
            index = close + 1
        else:
            out.append(f"[{char.lower()}{char.upper()}]" if char.isalpha() else char)
            index += 1
    return "(?:" + "".join(out) + ")"


# --- character classes -------------------------------------------------------------------------------
SPACE = r"[ \t\u00A0\u2000-\u200A\u3000]"
NEWLINE = r"(?:\r\n|[\r\n\u2028\u2029\u000B\u000C\u0085])"
SPACENL = f"(?:{SPACE}|{NEWLINE})"
SPACENLS = f"(?:{SPACENL})+"
SPACES = f"(?:{SPACE})+"
SPLET = "&[aeiouAEIOU]" + ci("acute|grave|uml") + ";"
_LETTER_EXTRA = (
    r"\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F\u0370-\u037D\u0384\u0385"
    r"\u03CF\u03F6\u03FC-\u03FF\u0483-\u0487\u04CF\u04F6-\u04FF\u0510-\u0525\u055A-\u055F\u0591-\u05BD"
    r"\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u0615-\u061A\u063B-\u063F\u064B-\u065E\u0670\u06D6-\u06EF"
    r"\u06FA-\u06FF\u070F\u0711\u0730-\u074F\u0750-\u077F\u07A6-\u07B1\u07CA-\u07F5\u07FA\u0900-\u0903"
    r"\u093C\u093E-\u094E\u0951-\u0955\u0962-\u0963\u0981-\u0983\u09BC-\u09C4\u09C7\u09C8\u09CB-\u09CD"
    r"\u09D7\u09E2\u09E3\u0A01-\u0A03\u0A3C\u0A3E-\u0A4F\u0A81-\u0A83\u0ABC-\u0ACF\u0B82\u0BBE-\u0BC2"
    r"\u0BC6-\u0BC8\u0BCA-\u0BCD\u0C01-\u0C03\u0C3E-\u0C56\u0D3E-\u0D44\u0D46-\u0D48\u0E30-\u0E3A"
    r"\u0E47-\u0E4E\u0EB1-\u0EBC\u0EC8-\u0ECD"
)
LETTER = r"(?:[\p{L}" + _LETTER_EXTRA + "]|" + SPLET + ")"
DIGIT = r"\p{Nd}"
ALNUM = r"[\p{L}\p{Nd}]"
APOS = r"(?:['\u0092\u2019]|&apos;)"
APOSETCETERA = f"(?:{APOS}|[`\\u0091\\u2018\\u201B])"
HYPHEN = r"[-_\u058A\u2010\u2011]"
INSENTP = r"[,;:\u3001]"
UPPER = r"\p{Lu}"

# --- token shapes --------------------------------------------------------------------------------------
WORD = f"{LETTER}(?:{LETTER}|{DIGIT})*(?:[.!?]{LETTER}(?:{LETTER}|{DIGIT})*)*"
SWORD = r"[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*"
REDAUX = f"{APOS}(?:[msdMSD]|" + ci("re|ve|ll") + ")"
SREDAUX = f"[nN]{APOSETCETERA}[tT]"
APOWORD = "|".join(
    (
        f"{APOS}[nN]{APOS}?",
        f"[lLdDjJ]{APOS}",
        ci("dunkin") + APOS,
        ci("somethin") + APOS,
        ci("ol") + APOS,
        APOS + ci("em"),
        f"[A-HJ-XZn]{APOSETCETERA}" + r"\p{L}{2}\p{L}*",
        APOS + "[2-9]0" + ci("s"),
        APOS + ci("till?"),
        r"\p{L}\p{L}*[aeiouyAEIOUY]" + APOSETCETERA + r"[aeiouA-Z]\p{L}*",
        APOS + ci("cause"),
        ci(r"cont'd\.?|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l"),
        ci("o") + APOSETCETERA + ci("o"),
    )
)
NUM = f"{DIGIT}+|{DIGIT}*(?:[.:,\\u00AD\\u066B\\u066C]{DIGIT}+)+"
NUMBER = f"[-+]?(?:{NUM})"
DATE = f"{DIGIT}{{1,2}}[-/]{DIGIT}{{1,2}}[-/]{DIGIT}{{2,4}}"
SUBSUPNUM = r"[\u207A\u207B\u208A\u208B]?(?:[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+|[\u2080-\u2089]+)"
FRAC = f"(?:{DIGIT}{{1,4}}[- \\u00A0])?{DIGIT}{{1,4}}(?:\\\\?/|\\u2044){DIGIT}{{1,4}}"
FRAC2 = r"[\u00BC\u00BD\u00BE\u2153-\u215E]"
_THING_PART = f"(?:[dDoOlL]{APOSETCETERA}{ALNUM})?{ALNUM}+"
THING = f"{_THING_PART}(?:{HYPHEN}{_THING_PART})*"
THINGA = r"[A-Z]+(?:(?:[+&]|&" + ci("amp") + r";)[A-Z]+)+"
THING3 = r"[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}"
_ACRO_SPECIAL = ci("canada|sino|korean|eu|japan|non") + "-" + ci(r"u\.s") + "|" + ci(r"u\.s\.-(?:u\.k|u\.s\.s\.r)")
ACRO = r"[A-Za-z](?:\.[A-Za-z])*|" + _ACRO_SPECIAL
ACRO2 = r"[A-Za-z](?:\.[A-Za-z])+|" + _ACRO_SPECIAL
HTHING = r"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:[A-Za-z0-9\u00AD]+|(?:" + ACRO2 + r")\.))+"
_FILENAME_EXT = ci(
    "bat|bmp|bz2|c|class|cgi|cpp|dll|doc|docx|exe|gif|gz|h|htm|html|jar|java|jpeg|jpg|mov|mp3|pdf|php|pl"
    "|png|ppt|ps|py|sql|tar|txt|wav|x|xml|zip|3gp|wm[va]|avi|flv|mov|mp[34g]"
)
FILENAME = f"(?:{LETTER}|{DIGIT})+(?:\\.(?:{LETTER}|{DIGIT})+)*\\.{_FILENAME_EXT}"
FULLURL = ci("https?") + r"://[^ \t\n\f\r\"<>|()]+[^ \t\n\f\r\"<>|.!?(){},-]"
LIKELYURL = (
    r"(?:(?:" + ci("www") + r"\.(?:[^ \t\n\f\r\"<>|.!?(){},]+\.)+[a-zA-Z]{2,4})"
    # ",-_" is a character range here, as in the Java original
    r"|(?:(?:[^ \t\n\f\r\"`'<>|.!?(){},-_$]+\.)+" + ci("com|net|org|edu") + "))"
    r"(?:/[^ \t\n\f\r\"<>|()]+[^ \t\n\f\r\"<>|.!?(){},-])?"
)
_EMAIL_PART = r"[^ \t\n\f\r\"<>|(){}.\u00A0]+"
EMAIL = (
    "(?:&" + ci("lt") + r";|<)?[a-zA-Z0-9][^ \t\n\f\r\"<>|(){}\u00A0]*@"
    f"(?:{_EMAIL_PART}\\.)*{_EMAIL_PART}" + "(?:&" + ci("gt") + ";|>)?"
)
TWITTER = f"@[a-zA-Z_][a-zA-Z_0-9]*|#(?:{LETTER})+"
_SGML_NAME = r"[A-Za-z][A-Za-z0-9_:.\-]*"
SGML = (
    r"<(?:[!?][A-Za-z\-][^>\r\n]*|"
    + _SGML_NAME
    + "(?:[ ]+(?:"
    + _SGML_NAME
    + "|"
    + _SGML_NAME
    + r"[ ]*=[ ]*(?:'[^'\r\n]*'|\"[^\"\r\n]*\"|"
    + _SGML_NAME
    + r")))*[ ]*/?|/"
    + _SGML_NAME
    + ")[ ]*>"
)

# --- abbreviations ---------------------------------------------------------------------------------------
_ABSTATE = "|".join(
    (
        ci("ala|ariz"),
        "A" + ci("rk"),
        ci("calif|colo|conn|dak|del|fla|ga"),
        "I" + ci("ll"),
        ci("ind|kans?|ky|la"),
        "M" + ci("ass"),
        ci("md|mich|minn"),
        "M" + ci("iss"),
        ci("mo|mont|neb|nev|okla"),
        "O" + ci("re"),
        ci("pa|penn|tenn|tex|va|vt"),
        "W" + ci("ash"),
        ci("wisc?|wyo"),
    )
)
ABBREV1 = (
    "(?:"
    + "|".join(
        (
            ci("jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"),  # months
            ci("mon|tue|tues|wed|thu|thurs|fri"),  # days
            _ABSTATE,
            ci("inc|cos?|corp|pp?tys?|ltd|plc|bancorp|dept|bhd|assn|univ|intl|sys"),  # companies
            ci("tel|est|ext|sq"),
            ci(r"jr|sr|bros|(?:ed|ph)\.d|blvd|rd|esq"),
            ci("etc|al|seq"),
        )
    )
    + r")\."
)
_ABTITLE = (
    ci("mr|mrs|ms")
    + "|M"
    + ci("iss")
    + "|"
    + ci(
        "drs?|profs?|sens?|reps?|attys?|lt|col|gen|messrs|govs?|adm|rev|maj|sgt|cpl|pvt|mt|capt|ste?|ave"
        "|pres|lieut|hon|brig|co?mdr|pfc|spc|supts?|det|ft"
    )
)
ABBREV4 = "|".join((_ABTITLE, ci(r"vs|alex|wm|jos|cie|a\.k\.a|cf|treas"), ACRO, ci("invt|elec|natl|m[ft]g")))
ABBREV3 = ci("ca|figs?|prop|nos?|sect?s?|arts?|paras?|bldg|pp|op|pt|rs") + r"\."
# The bracketed first letter is a case-sensitive class in JFlex; the rest of each word is caseless.
ACRONYM_FOLLOWER = "|".join(
    word[0] + ci(word[1:])
    for word in (
        "About According Additionally After An A As At But Did During Earlier He Her Here How However If In It"
        " Last Many More Mr. Ms. Now Once One Other Our She Since So Some Such That The Their Then There These"
        " They This We When While What Who Why Yet You"
    )
    .replace(".", r"\.")
    .split()
)

PHONE = (
    r"(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[- \u00A0])?[0-9]{2,4}[- \u00A0])[0-9]{3,4}"
    r"[- \u00A0]?[0-9]{3,5}|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5}"
)
DOLSIGN = r"[A-Z]*\$|#"
DOLSIGN2 = r"[\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6]"
_AMP = "(?:&|&" + ci("amp") + ";)"
TBSPEC = "|".join(
    (
        "-" + ci("rrb|lrb|rcb|lcb|rsb|lsb") + "-",
        ci(r"c\.d\.s|pro-|anti-"),
        ci("s") + _AMP + ci("p-500"),
        ci("s") + _AMP + ci("ls"),
        ci("cap") + APOS + ci("n"),
        ci("c") + APOS + ci("est"),
    )
)
TBSPEC2 = APOS + "[0-9][0-9]"
SMILEY = r"[<>]?[:;=][-o*']?[()DPdpO\\{@|\[\]]"
ASIAN_SMILEY = r"[-\^x=~<>']_[-\^x=~<>']|\([-\^x=~<>'][_.]?[-\^x=~<>']\)|\([\^x=~<>']-[\^x=~<>'`]\)"
LDOTS = r"\.{3,5}|(?:\.[ \u00A0]){2,4}\.|[\u0085\u2026]"
QUOTES = (
    APOS + r"|''|[`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F\u2039\u203A"
    r"\u00AB\u00BB]{1,2}"
)
DBLQUOT = r"\"|&" + ci("quot") + ";"
MISCSYMBOL = (
    r"[+%&~^|\\\u00A6\u00A7\u00A8\u00A9\u00AC\u00AE\u00AF\u00B0-\u00B3\u00B4-\u00BA\u00D7\u00F7\u0387"
    r"\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4\u0600-\u0603\u0606-\u060A\u060C\u0614\u061B\u061E\u066A\u066D"
    r"\u0703-\u070D\u07F6\u07F7\u07F8\u0964\u0965\u0E4F\u1FBD\u2016\u2017\u2020-\u2023\u2030-\u2038"
    r"\u203B\u203E-\u2042\u2044\u207A-\u207F\u208A-\u208E\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF\u3012"
    r"\u30FB\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65]"
)


# --- token normalizations (ptb3Escaping defaults) ----------------------------------------------------------
def remove_soft_hyphens(text: str) -> str:
    return text.replace("\u00ad", "") or "-"


def latex_quotes(text: str, probably_left: bool) -> str:
    """Straight quotes become `` or '' by position; curly and CP1252 quotes by their own direction."""
    if probably_left:
        text = regex.sub(r"&apos;|'", "`", text)
        text = regex.sub(r"\"|&quot;", "``", text)
    else:
        text = regex.sub(r"&apos;|'", "'", text)
        text = regex.sub(r"\"|&quot;", "''", text)
    text = regex.sub(r"[\u0091\u2018\u201B\u2039]", "`", text)
    text = regex.sub(r"[\u0092\u2019\u203A]", "'", text)
    text = regex.sub(r"[\u0093\u201C\u00AB]", "``", text)
    return regex.sub(r"[\u0094\u201D\u00BB]", "''", text)


_AMP_ENTITY = regex.compile(ci("&amp;"))


def normalize_amp(text: str) -> str:
    return _AMP_ENTITY.sub("&", text)


def normalize_currency(text: str) -> str:
    text = text.replace("\u00a2", "cents").replace("\u00a3", "#")
    return regex.sub(r"[\u0080\u00A4\u20A0\u20AC]", "$", text)


_FRACTIONS = {"\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4", "\u2153": "1/3", "\u2154": "2/3"}


def normalize_fraction(text: str) -> str:
    return _FRACTIONS.get(text, text)


def parens_to_ptb(text: str) -> str:
    return text.replace("(", "-LRB-").replace(")", "-RRB-")


def spaces_to_nbsp(text: str) -> str:
    return text.replace(" ", "\u00a0")


# --- rules ------------------------------------------------------------------------------------------------
Action = Callable[[str], "tuple[list[str], int]"]
"""Maps the matched token text to (tokens to emit, characters consumed); the rest is pushed back."""


def emit(transform: Callable[[str], str] = str) -> Action:
    return lambda text: ([transform(text)], len(text))


def skip(text: str) -> tuple[list[str], int]:
    return [], len(text)


def pushback(count: int) -> Action:
    return lambda text: ([text[:-count]], len(text) - count)


def emit_then_reread_period(text: str) -> tuple[list[str], int]:
    """The abbreviation stays whole and its period is read again as a sentence end."""
    return [text], len(text) - 1


def acronym_at_sentence_end(text: str) -> tuple[list[str], int]:
    if len(text) == 2:  # "I." before "The": the letter, then the period
        return [text[:-1]], 1
    return [text], len(text) - 1


def hyphens(text: str) -> tuple[list[str], int]:
    return (["--"] if 3 <= len(text) <= 4 else [text]), len(text)


@dataclass(frozen=True)
class Rule:
    """One lexer rule: ``token`` is what it matches, ``context`` the trailing context it requires."""

    name: str
    token: str
    action: Action
    context: str = ""
    needs: str = ""
    """Characters of which any match (context included) holds at least one: rules are skipped cheaply
    on text without them."""


_APOS_CHARS = "'\u0092\u2019&"
_APOSETC_CHARS = _APOS_CHARS + "`\u0091\u2018\u201b"

RULES: tuple[Rule, ...] = (
    Rule("prog-lang", ci("c") + "[+][+]|" + ci("c|f") + "#", emit(), needs="+#"),
    Rule("assimilation3", ci("cannot|'twas"), pushback(3)),
    Rule("assimilation2", ci("'tis|gonna|gotta|lemme|gimme|wanna"), pushback(2)),
    Rule("sgml", SGML, emit(spaces_to_nbsp)),
    Rule("mdash", "&" + ci("md|mdash|ndash") + r";|[\u0096\u0097\u2013\u2014\u2015]", emit(lambda _: "--")),
    Rule("amp", "&" + ci("amp") + ";", emit(normalize_amp)),
    Rule("sgml-punct", "&" + ci("ht|tl|ur|lr|qc|ql|qr|odq|cdq|#[0-9]+") + ";", emit()),
    Rule("word-before-aux", WORD, emit(remove_soft_hyphens), REDAUX, needs=_APOS_CHARS),
    Rule("sword-before-nt", SWORD, emit(remove_soft_hyphens), SREDAUX, needs=_APOSETC_CHARS),
    Rule("word", WORD, emit(remove_soft_hyphens)),
    Rule("apoword", APOWORD, emit(), needs=_APOSETC_CHARS),
    Rule("apoword2", rf"[yY]{APOS}", emit(), r"\p{L}", needs=_APOS_CHARS),
    Rule("full-url", FULLURL, emit(), needs=":"),
    Rule("likely-url", LIKELYURL, emit(), needs="."),
    Rule("email", EMAIL, emit(), needs="@"),
    Rule("twitter", TWITTER, emit()),
    Rule("redaux", REDAUX, emit(lambda t: latex_quotes(t, False)), r"[^A-Za-z]"),
    Rule("sredaux", SREDAUX, emit(lambda t: latex_quotes(t, False))),
    Rule("date", DATE, emit(), needs="-/"),
    Rule("number", NUMBER, emit(remove_soft_hyphens)),
    Rule("subsupnum", SUBSUPNUM, emit()),
    Rule("frac", FRAC, emit(spaces_to_nbsp), needs="/\u2044"),
    Rule("frac2", FRAC2, emit(normalize_fraction)),
    Rule("tbspec", TBSPEC, emit(normalize_amp), needs="-.&" + _APOS_CHARS),
    Rule("thing3", THING3, emit(), needs="/"),
    Rule("dolsign", DOLSIGN, emit(), needs="$#"),
    Rule("dolsign2", DOLSIGN2, emit(normalize_currency)),
    Rule(
        "acronym-sentence-end",
        rf"(?:{ACRO})\.",
        acronym_at_sentence_end,
        f"{SPACENLS}(?:{ACRONYM_FOLLOWER}|{SGML}){SPACENL}",
        needs=".",
    ),
    Rule("abbrev3", ABBREV3, emit(), rf"{SPACENL}?{DIGIT}", needs="."),
    Rule("pty-ltd", ci("pt[eyEY]|co") + r"\.", emit(), SPACE + ci("ltd|lim"), needs="."),
    Rule(
        "abbrev1-sentence-end", ABBREV1, emit_then_reread_period, rf"{SPACENL}(?:{SPACENL}|{UPPER}|{SGML})", needs="."
    ),
    Rule("abbrev1", ABBREV1, emit(), r"(?s:..)", needs="."),
    Rule("abbrev1-at-end", ABBREV1, emit_then_reread_period, needs="."),
    Rule("abbrev2", rf"(?:{ABBREV4})\.", emit(), needs="."),
    Rule("abbrev4", ABBREV4, emit(), SPACE),
    Rule("acro", ACRO, emit(), SPACENL),
    Rule("tbspec2", TBSPEC2, emit(), SPACENL),
    Rule("filename", FILENAME, emit(), rf"{SPACENL}|[.?!,\"'<]", needs="."),
    Rule("word-period", rf"(?:{WORD})\.", emit(remove_soft_hyphens), INSENTP, needs="."),
    Rule("phone", PHONE, emit(lambda t: parens_to_ptb(spaces_to_nbsp(t)))),
    Rule("left-dblquote", DBLQUOT, emit(lambda t: latex_quotes(t, True)), r"[A-Za-z0-9$]"),
    Rule("dblquote", DBLQUOT, emit(lambda t: latex_quotes(t, False))),
    Rule("delete", r"\x7F", skip),
    Rule("less-than", "<|&" + ci("lt") + ";", emit(lambda _: "<")),
    Rule("greater-than", ">|&" + ci("gt") + ";", emit(lambda _: ">")),
    Rule("smiley", SMILEY, emit(parens_to_ptb), r"[^A-Za-z0-9]"),
    Rule("asian-smiley", ASIAN_SMILEY, emit(parens_to_ptb)),
    Rule("lcb", r"\{", emit(lambda _: "-LCB-")),
    Rule("rcb", r"\}", emit(lambda _: "-RCB-")),
    Rule("lsb", r"\[", emit(lambda _: "-LSB-")),
    Rule("rsb", r"\]", emit(lambda _: "-RSB-")),
    Rule("lrb", r"\(", emit(lambda _: "-LRB-")),
    Rule("rrb", r"\)", emit(lambda _: "-RRB-")),
    Rule("hyphens", r"-+", hyphens),
    Rule("ellipsis", LDOTS, emit(lambda _: "...")),
    Rule("footnote-marks", r"@+|#+|_+", emit()),
    Rule("asterisks", r"\*+|(?:\\\*){1,3}", emit()),
    Rule("in-sentence-punct", INSENTP, emit()),
    Rule("bangs", r"[?!]+", emit()),
    Rule("period", r"[.\u00A1\u00BF\u037E\u0589\u061F\u06D4\u0700-\u0702\u07FA\u3002]", emit()),
    Rule("equals", r"=", emit()),
    Rule("slash", r"/", emit()),
    Rule("hthing-period", rf"(?:{HTHING})\.", emit(remove_soft_hyphens), INSENTP, needs="."),
    Rule("hthing", HTHING, emit(remove_soft_hyphens), needs="-"),
    Rule("thing-period", rf"(?:{THING})\.", emit(), INSENTP, needs="."),
    Rule("thing", THING, emit()),
    Rule("thinga-period", rf"(?:{THINGA})\.", emit(normalize_amp), INSENTP, needs="."),
    Rule("thinga", THINGA, emit(normalize_amp), needs="&+"),
    Rule("left-quote", r"'", emit(lambda t: latex_quotes(t, True)), r"[A-Za-z][^ \t\n\r\u00A0]"),
    Rule("redaux-anywhere", REDAUX, emit(lambda t: latex_quotes(t, False))),
    Rule("quotes", QUOTES, emit(lambda t: latex_quotes(t, False))),
    Rule("fake-duck-feet", r"<<|>>", emit()),
    Rule("misc-symbol", MISCSYMBOL, emit()),
    Rule("space", r"\x00|" + SPACES + r"|[\u200B\u200E\u200F\uFEFF]|&" + ci("nbsp") + ";", skip),
    Rule("newline", NEWLINE, skip),
    Rule("untokenizable", r"(?s:.)", skip),
)
