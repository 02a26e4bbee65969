"""Wording and plain text handling for the offline mediator (see `offline.py`).

Everything here is a pure function of its arguments: no randomness, no clock. The phrasing is
deliberately plain: short reflections that reuse the person's own words and one open question.
It never describes itself as a model, an assistant or as understanding anything deeply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

NEED_CATEGORIES = ("SAFETY", "CONNECTION", "AUTONOMY", "RECOGNITION", "MEANING", "FAIRNESS")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Keywords per need category. A trailing "*" matches any word starting with the stem.
_NEED_WORDS = {
    "SAFETY": "safe safety unsafe scare* scary afraid fear* threat* danger* secure security "
              "insecure panic* yell* shout* anxious nervous worried worry frighten* attack*",
    "CONNECTION": "close closer closeness alone lonely loneliness together ignor* distant "
                  "distance disconnect* connect* affection* miss missed missing listen* "
                  "attention intimacy warmth love loved hug* cuddle* company",
    "AUTONOMY": "control* choice* choose space freedom free decide* decision* independen* "
                "pressur* trapped micromanag* permission bossy bossed smother* suffocat* own",
    "RECOGNITION": "appreciat* unappreciat* seen unseen credit respect* disrespect* valued "
                   "undervalued notice* unnoticed thank* acknowledg* invisible recogni* "
                   "praise* granted",
    "MEANING": "purpose* matter matters mattered meaning* values value important pointless "
               "believe* belief* faith goal* dream* future worthwhile",
    "FAIRNESS": "fair unfair fairness equal* unequal share shared sharing turn turns balance* "
                "unbalanced split half load chores dishes housework everything",
}
NEED_KEYWORDS = {category: tuple(listed.split()) for category, listed in _NEED_WORDS.items()}

NEED_TEXT: dict[str, str] = {
    "SAFETY": "To feel safe and settled with each other",
    "CONNECTION": "To feel close and connected",
    "AUTONOMY": "To have room to make my own choices",
    "RECOGNITION": "To be seen and appreciated for what I give",
    "MEANING": "To know that what I care about matters",
    "FAIRNESS": "To share the load fairly",
}

# A one-week experiment per need category, used when the person has not suggested one.
EXPERIMENTS: dict[str, str] = {
    "SAFETY": "agree on a pause word either of you can say when things get heated, and come "
              "back to the conversation within an hour",
    "CONNECTION": "spend fifteen phone-free minutes together each evening, just talking",
    "AUTONOMY": "each keep one evening for yourselves, no explanations needed",
    "RECOGNITION": "each name one thing you appreciated about the other, once a day",
    "MEANING": "spend twenty minutes together on something that matters to both of you",
    "FAIRNESS": "write down the week's chores together and split them evenly",
}

# Words that name a feeling (used for salience and for the empathy statement).
FEELINGS = _wordset("""
hurt sad angry frustrated lonely alone tired exhausted overwhelmed stressed scared afraid
anxious worried ignored unappreciated disrespected embarrassed ashamed guilty confused stuck
trapped pressured criticised criticized judged rejected hopeless helpless disappointed jealous
insecure invisible misunderstood resentful nervous upset defensive annoyed unheard unseen
abandoned betrayed drained furious heartbroken humiliated powerless unwanted unloved
""")

# Conflict topics named in a neutral way (topic frame): label → the words that point to it.
_TOPIC_WORDS = {
    "money": "money finances spending bills budget debt savings salary",
    "household chores": "chores housework dishes cleaning laundry cooking tidying groceries",
    "phone use": "phone phones screen screens texting scrolling",
    "parenting": "kids children parenting son daughter bedtime school",
    "work": "work job career overtime office boss",
    "time together": "weekends schedule evenings date dates",
    "family": "family parents in-laws mother father mum mom dad sister brother",
    "friends": "friends friend",
    "intimacy": "sex intimacy affection",
    "trust": "trust lying lied lies cheating secrets",
    "drinking": "drinking alcohol drunk",
    "holidays": "holidays holiday vacation christmas birthday birthdays",
    "how we talk to each other": "arguing argue argument arguments fights fighting yelling "
                                 "shouting communication listening criticism",
    "our home": "house flat apartment rent moving mess",
}
TOPICS: dict[str, str] = {
    word: label for label, listed in _TOPIC_WORDS.items() for word in listed.split()
}

STOPWORDS = _wordset("""
a an the and or but so to of in on at for with about over around from by as is are was were be
been being it its this that these those there then than just really very also too not no do does
did done have has had will would could should can may might must i me my we us our you your he
him his she her they them their what when where which who how why if because while really like
get got feel felt feeling always never again still even ever
""")

_PERSON_SWAP = {
    "i": "you", "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll",
    "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "im": "you're",
    "we": "you two", "we're": "you're", "we've": "you've", "we'd": "you'd", "we'll": "you'll",
    "us": "the two of you", "our": "your", "ours": "yours", "ourselves": "yourselves",
}
_AFTER_I = {"am": "are", "was": "were", "wasn't": "weren't"}
_SUBJECTS_TO_WE = {"i", "he", "she", "they", "you"}
_POSSESSIVES = {"my", "his", "their", "your"}
_OBJECTS = {"me", "him", "them"}
_WE_VERBS = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't",
             "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't", "am": "are"}
_ADVERBS = {"never", "always", "just", "really", "often", "still", "sometimes", "usually"}

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|[^A-Za-z]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_CLAUSE_SPLIT = re.compile(r"[.!?;:\n]+|,\s+|\s+(?:but|because|although|though|so that)\s+",
                           re.IGNORECASE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_TOPIC_PREP = re.compile(r"\b(?:about|over|around|regarding|concerning)\s+(.+)", re.IGNORECASE)
_PHRASE_END = re.compile(r"[.,!?;:\n]|\s(?:and|but|because|so|since|when|which)\s",
                         re.IGNORECASE)


def normalise(text: str) -> str:
    """Straight apostrophes and quotes, single spaces."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"[ \t]+", " ", text).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def keyword_hit(word: str, keywords: Iterable[str]) -> bool:
    word = word.lower()
    return any(word.startswith(k[:-1]) if k.endswith("*") else word == k for k in keywords)


def categorise(text: str, exclude: Sequence[str] = ()) -> str | None:
    """The need category whose keywords the text uses most (ties: the earliest mention)."""
    tokens = [w.lower() for w in words(text)]
    best: tuple[int, int, str] | None = None
    for category in NEED_CATEGORIES:
        if category in exclude:
            continue
        hits = [i for i, w in enumerate(tokens) if keyword_hit(w, NEED_KEYWORDS[category])]
        if hits:
            key = (-len(hits), hits[0], category)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def clauses(text: str) -> list[str]:
    parts = (part.strip(" \"'()-") for part in _CLAUSE_SPLIT.split(normalise(text)))
    return [part for part in parts if part]


_YOU_WORDS = frozenset({"you", "your", "yours", "yourself", "you're", "you've", "you'll",
                        "you'd", "ya", "u"})


def addresses_someone(text: str) -> bool:
    """Whether the words speak to "you" (turning them around would garble who is who)."""
    return any(word.lower() in _YOU_WORDS for word in words(text))


def salient_clause(text: str, max_words: int = 16) -> str:
    """The clause most worth reflecting: feelings first, then first person, then short."""
    best, best_score = "", -99
    for clause in clauses(text):
        tokens = [w.lower() for w in words(clause)]
        if not tokens:
            continue
        score = 0
        if any(t in FEELINGS or t in ("feel", "felt", "feeling") for t in tokens):
            score += 3
        if any(t in ("i", "i'm", "me", "my", "we", "our", "us", "i've") for t in tokens):
            score += 2
        if 3 <= len(tokens) <= 12:
            score += 1
        if len(tokens) < 2:
            score -= 3
        if addresses_someone(clause):
            score -= 6
        if score > best_score:
            best, best_score = clause, score
    kept = best.split()
    if len(kept) > max_words:
        kept = kept[:max_words]
        while len(kept) > 2 and kept[-1].lower() in STOPWORDS:
            kept.pop()
    return " ".join(kept).rstrip(",;:-")


def second_person(clause: str, names: Sequence[str] = ()) -> str:
    """"I feel ignored by my partner" → "you feel ignored by your partner"."""
    keep = {name.lower() for name in names}
    out: list[str] = []
    previous = ""
    for token in _TOKEN.findall(clause):
        low = token.lower()
        if not _WORD.fullmatch(token):
            out.append(token)
            continue
        if previous == "i" and low in _AFTER_I:
            out.append(_AFTER_I[low])
        elif low in _PERSON_SWAP:
            out.append(_PERSON_SWAP[low])
        elif not out and low not in keep and token != token.upper():
            out.append(low)
        else:
            out.append(token)
        previous = low
    return "".join(out).replace("?", "").strip()


def sentences(text: str) -> list[str]:
    return [p.strip() for p in _SENTENCE_SPLIT.split(normalise(text)) if p.strip()]


def strip_names(text: str, names: Sequence[str]) -> str:
    """Known names become "they" / "their"; any other capitalised word (a likely name) except
    "I" and the first word is dropped."""
    lowered = {n.lower() for name in names for n in name.split() if n}
    kept: list[str] = []
    for token in _TOKEN.findall(text):
        if _WORD.fullmatch(token):
            base = token.lower().removesuffix("'s")
            if base in lowered:
                token = "their" if token.lower().endswith("'s") else "they"
            elif token[0].isupper() and token != "I" and "".join(kept).strip():
                continue
        kept.append(token)
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def topic_labels(text: str) -> list[str]:
    return list(dict.fromkeys(TOPICS[w] for w in words(text.lower()) if w in TOPICS))


def _neutral_phrase(phrase: str) -> str:
    """Pronouns made shared ("my" → "our", "he" → "we") with simple verb agreement."""
    tokens = [w.lower() for w in phrase.split()]
    out: list[str] = []
    after_we = False
    for index, low in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if low in _SUBJECTS_TO_WE:
            out.append("we")
            after_we = True
            continue
        if low in _POSSESSIVES or (low == "her" and following and following not in STOPWORDS):
            out.append("our")
        elif low in _OBJECTS or low == "her":
            out.append("us")
        elif after_we and low in _ADVERBS:
            out.append(low)
            continue
        elif after_we and low in _WE_VERBS:
            out.append(_WE_VERBS[low])
        elif after_we and low.endswith("ies") and len(low) > 4:
            out.append(low[:-3] + "y")
        elif after_we and low.endswith("s") and not low.endswith("ss") and len(low) > 3:
            out.append(low[:-1])
        else:
            out.append(low)
        after_we = False
    return " ".join(out)


def topic_frame(texts: Sequence[str], names: Sequence[str]) -> str | None:
    """A neutral topic frame (at most 20 words, no names) from the person's own messages,
    newest first; None when no message names a topic yet."""
    for text in reversed(texts):
        labels = topic_labels(text)
        if labels:
            return "Finding a way forward together on " + " and ".join(labels[:2])
        match = _TOPIC_PREP.search(strip_names(normalise(text), names))
        if match:
            phrase = _PHRASE_END.split(match.group(1))[0]
            cleaned = [w for w in _neutral_phrase(phrase).split()][:8]
            while cleaned and cleaned[-1] in STOPWORDS:
                cleaned.pop()
            if len(cleaned) >= 1:
                return "Finding a way forward together on " + " ".join(cleaned)
    return None


FALLBACK_FRAME = "What has been hard between us lately, and what each of us needs"


def feelings_in(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(w for text in texts for w in words(text.lower()) if w in FEELINGS))


def because_clause(texts: Sequence[str], max_words: int = 14) -> str | None:
    for text in reversed(texts):
        match = re.search(r"\b(?:because|since|cause)\s+([^.!?;\n]+)", normalise(text),
                          re.IGNORECASE)
        if match:
            clause = " ".join(match.group(1).split()[:max_words]).rstrip(",;:- ")
            if clause:
                return clause
    return None


_SUGGESTION = re.compile(
    r"\b(?P<marker>we could|we can|we should|we might|let's|let us|maybe we|what if we|"
    r"how about we|how about|i could|i can|i will|i'll|i'd like to|i would like to|"
    r"maybe i|i'm willing to|i am willing to)\s+(?P<rest>[^.!?;\n]+)",
    re.IGNORECASE,
)


def suggestion(text: str) -> str | None:
    """A concrete idea the person offered ("we could eat without phones" → "we eat without
    phones"), in their own words; None when there is none."""
    match = _SUGGESTION.search(normalise(text))
    if not match:
        return None
    marker = match.group("marker").lower()
    rest = " ".join(match.group("rest").split()[:14]).rstrip(",;:- ")
    if len(rest.split()) < 2:
        return None
    if marker.startswith(("i", "maybe i")):
        return f"I will {rest}"
    if marker.startswith(("we", "let", "maybe we", "what if", "how about we")):
        return f"we {rest}"
    return rest


HEARD_SIGNALS = ("i feel heard", "i do feel heard", "feel understood", "that's everything",
                 "that is everything", "that's all", "that is all", "nothing more",
                 "i think that's it", "i've said it all", "i have said it all")

SELF_QUESTIONS = re.compile(
    r"\b(?:are you (?:an? )?(?:ai|bot|robot|real|human|person|machine|model)|"
    r"is this (?:an? )?(?:ai|bot|robot|real person|human|machine)|chatgpt|"
    r"who am i talking to|what are you)\b", re.IGNORECASE)

SELF_ANSWER = ("This is a simple offline guide with fixed prompts: it reflects your own words "
               "back to you and asks one question at a time. It does not judge what you write.")

REFLECTIONS = ("It sounds like {r}.", "So {r}.", "What I'm hearing is that {r}.",
               "You're saying {r}.")

QUESTIONS: dict[str, tuple[str, ...]] = {
    "invitation": ("What would you most like {partner} to understand about this?",
                   "What keeps bringing this up between you two?",
                   "If you named the heart of it in one sentence, what would it be?"),
    "0": ("What would you like to get out of talking this through?",
          "What matters most to you about how this goes?"),
    "1": ("What was that like for you?", "What part of this weighs on you most?",
          "What do you wish {partner} knew about how this feels?",
          "What else comes up for you when you think about it?"),
    "2": ("What do you imagine {partner} was feeling in that moment?",
          "What might have been going on for {partner} that you couldn't see?",
          "If {partner} told this story, what might they say matters to them?"),
    "21": ("Having heard what {partner} shared, what do you think they most want you to see?",
           "What part of {partner}'s experience might your first statement have missed?",
           "How might {partner} put their feelings in their own words?"),
    "3": ("What would it give you if this were different?",
          "What matters most to you underneath all this?",
          "When this goes well, what do you have that feels missing now?"),
    "4": ("What's one small thing you'd be willing to try for a week?",
          "What would a small first step look like for you?"),
    "other": ("What feels most important to you right now?",),
}

MILESTONE_QUESTIONS: dict[str, str] = {
    "invitation": "Does that wording feel fair to both of you, or would you change something?",
    "1": "What else would you want {partner} to know?",
    "2": "What would you change to make it truer to them?",
    "3": "Does that fit, or would you put it differently?",
    "4": "What would make it easier to actually try this week?",
}

CALM_QUESTION = "Take your time. What's the hardest part of this right now?"
FRAME_SETTLED = ("Good. When you're ready, you can confirm the topic and send the invitation. "
                 "Is there anything you want to add before then?")
FRAME_OFFER = 'Here is a neutral way to name the topic for the invitation: "{frame}".'
HEARD_OFFER = ('When you feel heard, you can tap "I feel heard" below. There\'s no rush, and '
               "you can keep talking.")
EMPATHY_OFFER = ('Here is a first try at putting {partner}\'s side into words: "{statement}" '
                 "If it feels close, you can share it when you're ready.")
NEED_OFFER = "One need underneath that could be: {need} ({word})."
STRATEGY_OFFER = 'Here is a small experiment to add to the list: "{description}"'
THANKS = "Thank you."
HEAR_YOU = "I hear you."

GREETINGS: dict[str, str] = {
    "invitation": ("Hi{name}. Before inviting {partner}, let's find simple words for what you'd "
                   "like to talk about. Everything you write here stays private to you. "
                   "What's been going on?"),
    "0": ("Hi{name}. This is your private space: what you write here stays with you. "
          "What brings you here today?"),
    "1": ("Hi{name}. This is your space to say what happened, in your own words; it stays "
          "private to you. What's been on your mind?"),
    "2": ("Welcome back{name}. Now let's try to imagine how this has felt for {partner}. "
          "What do you guess they might be feeling?"),
    "21": ("Welcome back{name}. Let's take another look at {partner}'s side with what you "
           "know now. What stood out to you in what they shared?"),
    "3": ("Welcome back{name}. Let's look at what matters most to you underneath all this. "
          "What would it give you if things were different?"),
    "4": ("Welcome back{name}. Let's look for small, concrete things to try. What's one "
          "small change you'd be willing to try for a week?"),
}

FALLBACK_REPLY = "Thank you for sharing that. What feels most important to you right now?"
DEFAULT_FEELINGS = "hurt and misunderstood"
DEFAULT_REASON = "this has been hard for them too, in ways I might not see"
