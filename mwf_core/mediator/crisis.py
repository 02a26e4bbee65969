"""A cheap, deterministic safety check on a user message, and the prompt text it adds.

`assess(text)` returns None, or a `SafetyAssessment` with a level (concern < urgent < emergency)
and categories. The caller adds `resources_block(assessment)` to the turn part of the prompt:
the check never blocks a turn; it makes sure the mediator sets the stage work aside, stays
present and points to real help.

How it works:
1. Normalise: lower case, straight apostrophes, common chat spellings ("gonna", "im", "dont").
2. Blank out known figurative idioms ("beat me at chess", "hit me up", "kicked me out", "die of
   embarrassment", "killing myself at work", "dying to", "Suicide Squad"…).
3. Match phrase-level rules on word boundaries. Each rule needs a risk phrase in a risky frame
   (a person as the subject or object, an intent verb, a plan or a means): the word "kill" alone
   never fires, so "this commute is killing me" or "I could kill for a coffee" do not match.
4. Skip a match directly negated ("I'm not going to hurt him", "I don't want to die").
5. Levels: emergency for a plan, means, preparation or imminent danger (and for an urgent
   signal in a sentence that says "tonight", "right now"…); urgent for explicit suicidal,
   self-harm, violence, harm-to-others or child-abuse statements; concern for softer signals
   (hopelessness, fear of the partner, mentions of suicide).

Limits, on purpose and otherwise:
- English only. Other languages, misspellings beyond the few normalised, and coded or very
  indirect language are missed: the prompt's own safety rules are the second line of defence.
- Hyperbole about a person ("I could kill him", "she's going to kill me") fires as urgent: the
  cost of missing a real threat is higher, and the effect is only a gentle check-in.
- Third-person reports (about a friend) and past events are treated like first-person ones.
- Negation handling is local (a "not"/"never"/"n't" right before the phrase); sarcasm, quoted
  speech and double negatives are not understood.
- Names are not recognised as subjects ("Sam hits me" is missed; "he hits me" is not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class CrisisLevel(StrEnum):
    CONCERN = "concern"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER = (CrisisLevel.CONCERN, CrisisLevel.URGENT, CrisisLevel.EMERGENCY)
CATEGORIES = (
    "self_harm", "suicide", "violence", "harm_to_others", "child_abuse", "imminent_danger",
)


@dataclass(frozen=True, slots=True)
class SafetyAssessment:
    level: CrisisLevel
    categories: tuple[str, ...]
    # Ids of the rules that fired: safe to log (never the user's words).
    signals: tuple[str, ...]


C, U, E = CrisisLevel.CONCERN, CrisisLevel.URGENT, CrisisLevel.EMERGENCY

_PARTNER = (r"(?:he|she|they|my (?:husband|wife|partner|boyfriend|girlfriend|ex|spouse|"
            r"fiance|fiancee))")
_FAMILY = r"(?:my (?:father|mother|dad|mom|mum|stepdad|stepfather|stepmom|brother|sister))"
_SUBJ = rf"(?:{_PARTNER}|{_FAMILY})"
_AUX = (r"(?:(?:has|had|have|always|often|sometimes|still|even|also|used to|keeps|kept|"
        r"would|will|just|again|then|actually|literally|physically)\s+)*")
_PHYS = (r"(?:hit|hits|hitting|beat|beats|beaten|beating|punch(?:es|ed|ing)?|slap(?:s|ped|ping)?|"
         r"kick(?:s|ed|ing)?|chok(?:e|es|ed|ing)|strangl(?:e|es|ed|ing)|smack(?:s|ed)?|"
         r"rape[sd]?|raping)")
_OBJ = (r"(?:him|her|them|you|my (?:husband|wife|partner|boyfriend|girlfriend|ex|spouse|son|"
        r"daughter|kids?|child|children|baby|mother|father|mom|mum|dad))")
_HARM = (r"(?:kill|killing|hurt|hurting|hit|hitting|beat|beating|punch|punching|stab|stabbing|"
         r"shoot|shooting|strangle|strangling|choke|choking|murder|murdering|smack|slap)")
_CHILD = (r"(?:(?:the|our|my) (?:kids|children|baby|child|toddler)|(?:our|my) (?:son|daughter|"
          r"stepson|stepdaughter|kid))")
_INTENT = (r"(?:going to|want to|wanted to|will|'ll|plan to|planning to|about to|could|ready to|"
           r"thinking about|think about|thought about|tempted to|urge to|decided to)")

# "I will just kill him", "I could seriously hurt her": a few words may stand between them.
_ADVERBS = r"(?:(?:really|just|actually|seriously|honestly|finally|literally|totally) ){0,2}"

# (rule id, pattern, level, categories, negatable)
_RULES: tuple[tuple[str, str, CrisisLevel, tuple[str, ...], bool], ...] = (
    # Suicide: plan, means, preparation -> emergency.
    ("suicide_plan", r"\b(?:have|made|got|'ve got|worked out|figured out) a plan\b[^.!?\n]{0,50}"
     r"\b(?:end it|end it all|end my life|end things|kill myself|die|take my (?:own )?life|"
     r"not (?:be here|wake up))", E, ("suicide",), True),
    # "going to end it tonight": ambiguous alone, alarming with a time; "end it with him"
    # (a relationship) is left out. It only adds resources, so erring this way is cheap.
    ("end_it_soon", rf"\b{_INTENT} {_ADVERBS}end it\b(?! with)[^.!?\n]{{0,20}}\b(?:tonight|"
     r"today|right now|this weekend)\b", U, ("suicide",), True),
    ("suicide_how", r"\b(?:know|decided|figured out|worked out) (?:how|when|where) (?:i'll |i will "
     r"|i'm going to |to )(?:do it|end it|kill myself|die)\b", E, ("suicide",), True),
    ("suicide_means", r"\b(?:counting|counted|stockpil(?:e|ed|ing)|sav(?:ed|ing) up|hoard(?:ed|ing)"
     r"|collect(?:ed|ing)) (?:all )?(?:of )?(?:my |the |some |up )?(?:pills|meds|medication|"
     r"tablets|sleeping pills)\b", E, ("suicide",), False),
    ("suicide_method", r"\b(?:bought|got|have|found) (?:a |the |some )?(?:rope|gun|pills|razor|"
     r"blades?)\b[^.!?\n]{0,30}\b(?:hang|kill|end|shoot|overdose)\b", E, ("suicide",), False),
    ("suicide_notes", r"\b(?:wrote|written|writing|write|left|leaving) (?:a |my |some |the )?"
     r"(?:goodbye|farewell|suicide) (?:letters?|notes?|messages?)\b|\bsuicide note\b",
     E, ("suicide",), False),
    # Suicide: explicit -> urgent.
    ("kill_myself", r"\bkill(?:ing)? myself\b", U, ("suicide",), True),
    ("want_to_die", r"\b(?:want|wanted|wanting|wish|wished|ready) to die\b|\bbetter off dead\b|"
     r"\bwish (?:i|i'd) (?:was|were|had) (?:dead|never been born)\b", U, ("suicide",), True),
    ("not_live", r"\b(?:don't|do not|no longer) (?:want|wish) to (?:live|be alive|be here|exist|"
     r"wake up)(?: anymore| any more)?\b|\b(?:hope|wish) i (?:don't|never|won't) wake up\b",
     U, ("suicide",), False),
    ("suicidal", r"\b(?:i'm|i am|feel|feeling|been|getting) (?:so |really |very |pretty |kind of )?"
     r"suicidal\b|\b(?:thinking|thought|think|thoughts) (?:about|of) (?:suicide|ending (?:it|"
     r"my life|things))\b|\battempted suicide\b|\bsuicide attempt\b", U, ("suicide",), True),
    ("end_my_life", r"\b(?:end|ending|take|taking) (?:my (?:own )?life|it all)\b", U,
     ("suicide",), True),
    ("not_be_around", r"\bwon't be (?:a (?:problem|burden)|around|here|bothering (?:anyone|anybody|"
     r"you)) (?:much longer|for (?:much )?longer|for long|anymore|any more)\b", U,
     ("suicide",), False),
    ("better_off_without", r"\b(?:everyone|everybody|they|he|she|you|my (?:family|kids|children|"
     r"partner)|the world) (?:would|'d|will) (?:all )?be better off without me\b", U,
     ("suicide",), False),
    ("no_reason_to_live", r"\b(?:no reason|nothing) (?:left )?to live for\b|\bno reason to (?:live|"
     r"go on|keep going)\b|\bwhat's the point (?:of|in) (?:living|going on|being alive)\b",
     U, ("suicide",), True),
    ("give_away", r"\b(?:gave|giving|give) away (?:all )?(?:of )?my (?:things|stuff|belongings|"
     r"possessions)\b", U, ("suicide",), True),
    ("method_mention", r"\b(?:hang myself|overdos(?:e|ing) on|jump (?:off|from) (?:a|the) "
     r"(?:bridge|building|roof))\b", U, ("suicide",), True),
    # Self-harm -> urgent.
    ("self_harm", r"\bself[- ]?harm(?:ing|ed)?\b|\b(?:want|wanted|urge|urges|tempted|need|going|"
     r"started|start|keep|kept|been|thinking about|think about|thought about|trying not) (?:to )?"
     r"(?:cut|cutting|burn|burning|hurt|hurting|harm|harming|punish|punishing) myself\b|"
     r"\b(?:cut|cutting|burned|burning|hurt|hurting|harmed|harming) myself (?:again|on purpose|"
     r"deliberately|to (?:feel|cope|stop|numb))\b|\b(?:been|started|start) cutting (?:again|"
     r"myself)\b", U, ("self_harm",), True),
    # Violence against the person.
    ("partner_weapon", rf"\b{_PARTNER}(?:'s| is)?\s+(?:grabbed|pulled|pointed|holding|waving|"
     r"came at me with|threatened me with) (?:a |his |her |the |my )?(?:gun|knife|weapon)", E,
     ("violence", "imminent_danger"), False),
    ("partner_at_door", rf"\b{_PARTNER}(?:'s| is)\s+(?:outside|at (?:the|my) door|outside my door|"
     r"breaking in|trying to get in|coming (?:over |here |back )?to (?:hurt|kill|get) me)",
     E, ("imminent_danger",), False),
    ("not_safe_now", r"\b(?:i'm|i am|we're|we are) not safe\b|\b(?:i'm|i am|we're|we are) in "
     r"danger\b|\b(?:fear|feared|fearing|afraid) for (?:my|our) li(?:fe|ves)\b", E,
     ("imminent_danger",), True),
    ("physical_violence", rf"\b{_SUBJ}(?:'s|'d)?\s+{_AUX}{_PHYS} me\b", U, ("violence",), False),
    ("pushed", rf"\b{_SUBJ}\s+{_AUX}(?:pushed|pushes|shoved|shoves|threw|throws|slammed) me "
     r"(?:down|into|against|over|across|to the (?:ground|floor))", U, ("violence",), False),
    ("threat_to_me", rf"\b{_PARTNER}(?:'s| is| was| will|'ll)?\s+(?:threaten(?:s|ed|ing)? to|"
     r"going to|trying to|tried to|wants to|will|'ll)\s+(?:kill|hurt|shoot|stab|strangle) me\b",
     U, ("violence",), False),
    ("fear_of_harm", rf"\b(?:afraid|scared|terrified|frightened)(?: that)? {_PARTNER}(?:'ll| will|"
     r"'s going to| is going to| might| could) (?:hurt|hit|kill) me\b", U, ("violence",), False),
    ("sexual_violence", r"\b(?:raped|sexually assaulted) me\b|\bforc(?:es|ed|ing) me to have sex\b",
     U, ("violence",), False),
    ("fear_of_partner", r"\b(?:afraid|scared|terrified|frightened) of (?:him|her|my (?:husband|"
     r"wife|partner|boyfriend|girlfriend|ex))\b|\bdon't feel safe (?:with|around|near|at home)\b",
     C, ("violence",), True),
    # The person may harm someone else.
    ("harm_intent", rf"\b{_INTENT} {_ADVERBS}{_HARM} {_OBJ}\b", U, ("harm_to_others",), True),
    ("harmed_other", r"\bi (?:hit|slapped|punched|shoved|choked|kicked|beat|strangled) (?:him|her|"
     r"them|my (?:husband|wife|partner|boyfriend|girlfriend))\b", U, ("harm_to_others",), True),
    # Children.
    ("child_physical", rf"\b(?:{_SUBJ}|i)(?:'s|'d)?\s+{_AUX}(?:hit|hits|hitting|beat|beats|beating"
     r"|punch(?:es|ed)?|slap(?:s|ped)?|kick(?:s|ed)?|chok(?:es|ed)|shak(?:es|ing|en)|burn(?:s|ed)?"
     rf"|hurt(?:s|ing)?|abus(?:es|ed|ing)) {_CHILD}\b", U, ("child_abuse",), True),
    ("child_sexual", rf"\btouch(?:es|ed|ing)? {_CHILD} (?:inappropriately|sexually)\b|"
     rf"\b(?:molest(?:s|ed|ing)?|sexually abus(?:es|ed|ing)) {_CHILD}\b", U, ("child_abuse",),
     False),
    # Softer signals -> concern.
    ("hopeless", r"\b(?:feel|feeling|i'm|i am|so|completely|totally|utterly) hopeless\b|"
     r"\b(?:see|there's|is) no way out\b|\bcan't (?:go on|keep going)\b(?! (?:like|with|in|this|"
     r"that|arguing|fighting|living like))|\bcan't take (?:it|this) any ?more\b|\bwant to "
     r"disappear\b|\b(?:i'm|i am|feel like) (?:such )?a burden\b|\bwhat's the point (?:of|in) "
     r"(?:anything|any of it|trying)\b", C, ("suicide",), True),
    ("suicide_mention", r"\bsuicid(?:e|al)\b", C, ("suicide",), True),
)
_COMPILED = tuple((rid, re.compile(p), lvl, cats, neg) for rid, p, lvl, cats, neg in _RULES)

_IDIOMS = re.compile("|".join((
    r"\bbeat(?:s|en)? (?:me|him|her|them|you|us) (?:at|in|to|by)\b",
    r"\bhits? (?:me|him|her|them|you) up\b",
    r"\bhit me with (?:a|the|this|that|some) (?:question|news|bill|request|idea|comment|surprise"
    r"|text|message|joke)",
    r"\bkick(?:s|ed)? (?:me|him|her|them) out\b",
    r"\b(?:die|died|dying) (?:of|from) (?:embarrassment|shame|boredom|laughter|laughing|curiosity"
    r"|cuteness)\b",
    r"\b(?:die|died|dying) laughing\b",
    r"\bdie on (?:this|that|the) hill\b",
    r"\bdying (?:to|for)\b",
    r"\bto die for\b",
    r"\bkill(?:ing)? myself laughing\b",
    r"\bkilling myself (?:at|over|trying|working|with work|to (?:get|make|keep|finish|pay|"
    r"please))\b",
    r"\bsuicide (?:squad|mission|run|doors?)\b",
    r"\b(?:going to|will|'ll) kill me when (?:he|she|they) (?:sees?|finds? out|hears?|notices?)\b",
    r"\bkill(?:ed|ing)? (?:it|time)\b",
)))
_NEGATED = re.compile(
    r"(?:\bnot|\bnever|n't|\bno longer)\s+(?:(?:really|even|ever|actually|want|wanting|plan|"
    r"planning|intend|going|to|try|trying|would|be|think|thinking|about|of|i|just|seriously|"
    r"will|feel|feeling|so|that|gonna)\s+)*$"
)
_IMMINENT = re.compile(r"\b(?:tonight|right now|in (?:a|an|a few) (?:hour|hours|minutes))\b")
_SOON = re.compile(r"\b(?:today|tomorrow|this (?:evening|weekend))\b")
_SPELLINGS = (
    (re.compile(r"[\u2018\u2019\u02bc`]"), "'"),
    (re.compile(r"\bgonna\b"), "going to"),
    (re.compile(r"\bwanna\b"), "want to"),
    (re.compile(r"\bim\b"), "i'm"),
    (re.compile(r"\bive\b"), "i've"),
    (re.compile(r"\b(don|can|won|didn|doesn|isn|wasn|wouldn)t\b"), r"\1't"),
    (re.compile(r"\bwhats\b"), "what's"),
    (re.compile(r"\s+"), " "),
)


def _normalise(text: str) -> str:
    text = text.lower()
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return _IDIOMS.sub(" ~ ", text)


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(sep, 0, start) for sep in ".!?\n")
    rights = [i for i in (text.find(sep, end) for sep in ".!?\n") if i >= 0]
    return text[left + 1: min(rights) if rights else len(text)]


def assess(text: str) -> SafetyAssessment | None:
    """None when nothing risky was found; otherwise the highest level and all categories."""
    if not text or not text.strip():
        return None
    norm = _normalise(text)
    level: CrisisLevel | None = None
    categories: set[str] = set()
    signals: list[str] = []
    for rule_id, pattern, rule_level, cats, negatable in _COMPILED:
        for m in pattern.finditer(norm):
            if negatable and _NEGATED.search(norm[max(0, m.start() - 60): m.start()]):
                continue
            found_level, found_cats = rule_level, set(cats)
            if rule_level is U:
                sentence = _sentence_around(norm, m.start(), m.end())
                intent = bool(found_cats & {"suicide", "self_harm", "harm_to_others"})
                if _IMMINENT.search(sentence) or (intent and _SOON.search(sentence)):
                    found_level = E
                    found_cats.add("imminent_danger")
            if level is None or found_level.rank > level.rank:
                level = found_level
            categories |= found_cats
            if rule_id not in signals:
                signals.append(rule_id)
            break
    if level is None:
        return None
    return SafetyAssessment(level, tuple(c for c in CATEGORIES if c in categories), tuple(signals))


_INTRO = {
    E: "This may be an emergency. In this reply, before anything else, urge the person to get "
    "immediate help: call the local emergency number now, or get to a safe place or to someone "
    "nearby who can help.",
    U: "Something the person wrote points to a serious risk to someone's safety.",
    C: "Something the person wrote may be a softer sign of distress. Don't alarm them: check in "
    "gently about how they are doing beyond the conflict, and share the resources below only if "
    "what they say next points to danger or thoughts of ending their life.",
}

_COMMON = (
    "- Set the stage work aside for this reply. Stay with the person: acknowledge what they "
    "said in plain, warm words, without panic and without lecturing.",
    "- Ask kindly and directly about their safety right now (for example, whether they are "
    "thinking about ending their life, or whether they are in danger at this moment). Asking "
    "does not put the idea in anyone's head.",
    "- Encourage them to reach out now to someone who can be with them or act: a trusted person "
    "nearby, or one of the services below. Offer the resources once and briefly; don't repeat "
    "them on every turn.",
    "- Stay present: say you are still here and keep responding after sharing resources. Don't "
    "end the conversation or hand them off coldly.",
    "- Don't promise secrecy or outcomes, don't diagnose, and never suggest confronting the "
    "partner or staying somewhere unsafe for the sake of the process.",
)

_RESOURCES = {
    "any": "- Immediate danger: the local emergency number (911 in the US and Canada, 999 in the "
    "UK, 112 in the EU and many other countries, 000 in Australia).",
    "suicide": "- Thoughts of suicide or self-harm: in the US, call or text 988 (988 Suicide & "
    "Crisis Lifeline); in the UK and Ireland, Samaritans on 116 123; elsewhere, findahelpline.com "
    "lists free, confidential lines by country.",
    "violence": "- Violence or threats at home: in the US, the National Domestic Violence Hotline "
    "on 1-800-799-7233; elsewhere, local emergency services or a domestic-abuse line found "
    "through findahelpline.com.",
    "child_abuse": "- A child at risk: in the US, the Childhelp hotline on 1-800-422-4453; "
    "elsewhere, local child-protection services or the emergency number.",
    "harm_to_others": "- Urges to hurt someone: encourage putting distance between themselves and "
    "the other person now, and talking to a crisis line (988 in the US, findahelpline.com "
    "elsewhere) or someone they trust.",
}


def resources_block(assessment: SafetyAssessment | None) -> str:
    """The 'Safety' section for the turn prompt ("" when there is no assessment)."""
    if assessment is None:
        return ""
    cats = set(assessment.categories)
    lines = [
        f"## Safety (automatic check: {assessment.level.value}; "
        f"{', '.join(assessment.categories)})",
        _INTRO[assessment.level],
        "The check is automatic and can be wrong in both directions: listen to what the person "
        "actually says, and if they tell you they are safe, believe them and carry on gently.",
        *_COMMON,
        "Resources (choose what fits where they live; if you don't know their country, give the "
        "international option or ask):",
        _RESOURCES["any"],
    ]
    if cats & {"suicide", "self_harm"}:
        lines.append(_RESOURCES["suicide"])
    if cats & {"violence", "imminent_danger"}:
        lines.append(_RESOURCES["violence"])
    for cat in ("child_abuse", "harm_to_others"):
        if cat in cats:
            lines.append(_RESOURCES[cat])
    return "\n".join(lines)
