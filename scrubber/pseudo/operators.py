"""The ``pseudonymize`` and ``dp`` operators (PRIVACY.md, replacement modes 2 and 3).

``pseudonymize`` -- keyed consistent pseudonyms (not DP).
    ``pid = HMAC-SHA256(K_scope, label, kind, normalize(x))`` seeds a keyed stream from which a
    realistic surrogate of the same type, attributes (culture, gender, country, brand, family)
    and format is drawn. ``scope: corpus`` uses ``K_scope = HMAC(K_pseudo, "corpus")``;
    ``scope: document`` uses ``K_scope = HMAC(K_pseudo, "document", doc)``, with
    ``K_pseudo = HMAC(K, "scrubber/v1/pseudonymize")`` (purpose-derived sub-keys instead of
    PRIVACY.md's bare ``K`` and ``HMAC(K, doc)``, for domain separation; parts are length-prefixed
    instead of 0x00-separated). The first 256 bits of the stream are the pid itself, so a
    surrogate costs one HMAC. Within one document: the same entity always
    gets the same surrogate, two different entities never share one, and a surrogate never equals
    its original (a candidate that breaks either rule is re-drawn from the same stream, so the
    outcome is still deterministic). Person names are mapped part by part (given names,
    surname, initials), so "John Smith", "Smith", "Mr. Smith" and "SMITH" stay consistent.

    Corpus scope: a given entity gets the same surrogate in every document, except in the rare
    document where its first-choice surrogate is already taken by another entity that appeared
    earlier in that document (then it gets its next draw). Across documents two entities may
    share a surrogate when the pool is small (birthday bound: about n^2 / 2N for n entities and a
    pool of N; N is ~1000-3000 names per culture, 762 documentation IPv4 addresses, 10^4-10^6 for
    the other types). Pseudonymity holds only against someone without the key.

``dp`` -- DP-noised pseudonyms (local DP per entity per document).
    Direct identifiers are drawn **independently of the value** (epsilon 0): the draw is seeded by
    ``HMAC(K_doc, label, kind, normalize(x))`` with ``K_doc = HMAC(K_dp, "document", doc)``
    (PRIVACY.md's ``HMAC(K, doc || label || normalize(x))``, nested so that the document is hashed
    once, with ``K_dp = HMAC(K, "scrubber/v1/dp")``), so every mention of an entity in a document
    agrees and a re-run reproduces the output. Surrogates are rendered in a canonical format; only
    the letter case of the mention (UPPER / lower / Title) and the structure of a person mention
    (which words are title, given names, initials, surname; name particles are dropped) are carried
    over, as presentation. For a lone word, its role (given name or surname) comes from earlier
    mentions in the document or from the name pool.

    - ``preserve: [gender, culture, country, brand, family]``: the listed attributes are released
      by B-ary randomized response over their values (P(keep) = e^eps_attr / (e^eps_attr + B - 1)),
      then a surrogate is drawn uniformly inside the released bucket. Attributes not preserved take
      a constant default (culture: ``default_culture``; country: US; brand: visa; IBAN country:
      DE; IP family: 4) or, for gender, a uniform draw: both are value-independent.
    - ``link: true``: corpus-consistent pseudonyms made deniable by k-ary randomized response: the
      consistent pool index (``HMAC(HMAC(K_link, "corpus"), label, kind, normalize(x))`` with
      ``K_link = HMAC(K, "scrubber/v1/dp-link")``, corpus-wide) is released with probability
      e^eps_link / (e^eps_link + k - 1), otherwise one of the other k - 1 pool entries uniformly
      (k = ``link_pool_size``, capped by the distinct surrogates a type has). Note the cost: with
      k = 1000 and eps_link = 2.4, 99 % of mentions are random. Surrogates in link mode may repeat
      within a document (forcing them apart would change the mechanism).
    - Dates (``DATE_TIME``/``DATE``): one shift Z per document, Z ~ discrete Laplace with
      P(Z = z) proportional to exp(-eps_per_day |z|), added to every date of the document
      (intervals are kept): eps_per_day * |distance in days| metric DP.
    - Ages (``AGE``): clamped to [0, 120], 10-year bands (0-9, ..., 100-109, 110-120; B = 12),
      B-ary randomized response with ``eps_age``, then a uniform age in the released band.
    - A surrogate may equal its original by chance (forbidding it would break the guarantee).

    Accounting (sequential composition). Every randomized-response release and the date shift
    add their epsilon to ``ctx.epsilon`` once per document: an entity (more precisely, a
    normalized name part or value) is randomized once per document and all its mentions repeat
    that one release, so repeating it costs nothing more (post-processing). The record's epsilon
    is the sum over its distinct releases. The date shift is counted as ``eps_per_day`` (the
    epsilon for dates one day apart; dates d days apart cost d * eps_per_day). Value-independent
    draws, tags and unparseable dates cost 0.

Both operators set ``requires_key = True``: a pipeline that uses them refuses to load without a
key (:mod:`scrubber.keys`).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ConfigError
from ..keys import SecretKey, as_secret_key, encode_parts
from ..registry import operators
from ..spans import Span
from ..transforms import DocContext
from . import dates as _dates
from .pools import PARTICLES, SUFFIXES, TITLES, name_pools
from .samplers import KeyedStream, to_fraction
from .surrogates import (
    Address,
    CreditCard,
    Email,
    Generic,
    GivenName,
    Iban,
    Initial,
    IpAddress,
    Kind,
    MacAddress,
    Phone,
    Place,
    Secret,
    Surname,
    Title,
    Url,
    UsSsn,
    basic_normalize,
    match_case,
)

MAX_TRIES = 32
_PREFIXES: dict[tuple[str, str], bytes] = {}
_PRESERVABLE = ("gender", "culture", "country", "brand", "family")
DATE_LABELS = frozenset({"DATE_TIME", "DATE"})
AGE_LABELS = frozenset({"AGE"})
PERSON_LABELS = frozenset({"PERSON", "PER", "NAME"})
LOCATION_LABELS = frozenset({"LOCATION", "GPE", "LOC", "CITY", "COUNTRY"})
# Labels mapped to one kind each (PERSON, LOCATION, dates and ages have their own handlers).
_SIMPLE_LABELS: dict[str, str] = {
    "EMAIL_ADDRESS": "email", "EMAIL": "email", "PHONE_NUMBER": "phone", "PHONE": "phone",
    "CREDIT_CARD": "card", "IBAN_CODE": "iban", "IBAN": "iban", "IP_ADDRESS": "ip",
    "US_SSN": "ssn", "SSN": "ssn", "MAC_ADDRESS": "mac", "URL": "url", "ADDRESS": "address",
    "STREET_ADDRESS": "address", "SECRET": "secret", "API_KEY": "secret", "PASSWORD": "secret",
}
# dp mode renders canonically and carries over only the letter case of the mention:
# UPPER / lower / Title for words, UPPER only for e-mails and URLs.
_CASE_KINDS = frozenset({"given", "surname", "initial", "title", "place", "address"})
_UPPER_KINDS = frozenset({"email", "url"})


def _carry_case(kind: str, text: str, out: str) -> str:
    if kind in _CASE_KINDS:
        return match_case(text, out)
    if kind in _UPPER_KINDS and text.isupper():
        return out.upper()
    return out
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*\.?")
_AGE_NUMBER = re.compile(r"\d{1,3}")
_AGE_BANDS: tuple[tuple[int, int], ...] = tuple((lo, lo + 9) for lo in range(0, 110, 10)) + ((110, 120),)


def _validate_common(culture: str, region: str, tag: str) -> None:
    cultures = name_pools().cultures
    if culture not in cultures:
        raise ConfigError(f"default_culture: unknown culture {culture!r}; available: {', '.join(cultures)}")
    import phonenumbers

    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"default_region: unknown region {region!r} (use ISO codes such as US, GB)")
    try:
        tag.format(label="X")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"tag: only {{label}} may be used ({exc})") from None


@dataclass(frozen=True)
class PseudonymizeOptions:
    """``pseudonymize``: keyed consistent realistic surrogates (not DP; see the module docs).

    ``scope``: ``document`` (consistent within a document) or ``corpus`` (consistent across the
    corpus). ``as_label``: generate surrogates of this label's type (e.g. ``PERSON`` for a custom
    ``EMPLOYEE`` label). ``fallback``: for labels without a typed generator, ``random`` (same
    character classes) or ``tag`` (``tag`` with ``{label}``). ``max_date_shift_days``: dates move
    by a keyed non-zero shift in [-N, N] days (one shift per document with document scope; per
    date value with corpus scope). ``date_order``: how to read 03/04/2023 when the document does
    not settle it (``auto``: day first for ``03.04.2023``, else month first).
    """

    scope: Literal["document", "corpus"] = "document"
    as_label: str | None = None
    default_culture: str = "en_US"
    default_region: str = "US"
    max_date_shift_days: int = 365
    date_order: Literal["auto", "mdy", "dmy"] = "auto"
    fallback: Literal["random", "tag"] = "random"
    tag: str = "<{label}>"

    def validate(self) -> None:
        _validate_common(self.default_culture, self.default_region, self.tag)
        if not 1 <= self.max_date_shift_days <= 36500:
            raise ConfigError("max_date_shift_days: must be between 1 and 36500")


@dataclass(frozen=True)
class DPOptions:
    """``dp``: DP-noised pseudonyms (see the module docs for the mechanisms and accounting).

    ``preserve``: attributes released by randomized response with ``eps_attr`` (``gender``,
    ``culture``, ``country``, ``brand``, ``family``). ``link``: corpus-consistent pseudonyms with
    k-ary randomized response (``eps_link``, ``link_pool_size`` = k); cannot be combined with
    ``preserve``. ``eps_per_day``: date shift. ``eps_age``: age bands. ``fallback`` for labels
    without a typed generator: ``tag`` (default, value-independent) or ``random`` (8 random letters).
    """

    preserve: tuple[str, ...] = ()
    eps_attr: float = 1.0
    link: bool = False
    eps_link: float = 2.0
    link_pool_size: int = 1000
    eps_per_day: float = 0.05
    eps_age: float = 1.0
    as_label: str | None = None
    default_culture: str = "en_US"
    default_region: str = "US"
    date_order: Literal["auto", "mdy", "dmy"] = "auto"
    fallback: Literal["random", "tag"] = "tag"
    tag: str = "<{label}>"

    def validate(self) -> None:
        _validate_common(self.default_culture, self.default_region, self.tag)
        for i, attr in enumerate(self.preserve):
            if attr not in _PRESERVABLE:
                raise ConfigError(f"preserve[{i}]: unknown attribute {attr!r}; available: {', '.join(_PRESERVABLE)}")
        for name in ("eps_attr", "eps_link", "eps_per_day", "eps_age"):
            value = getattr(self, name)
            frac = to_fraction(value, name)
            if frac <= 0 or frac > 50:
                raise ConfigError(f"{name}: must be in (0, 50], got {value!r}")
            if frac.denominator > 10**9:
                raise ConfigError(f"{name}: use at most 9 decimal places, got {value!r}")
        if self.link and self.preserve:
            raise ConfigError("link: cannot be combined with preserve (link pools are not bucketed)")
        if not 2 <= self.link_pool_size <= 100_000:
            raise ConfigError("link_pool_size: must be between 2 and 100000")


class _DocState:
    """Per-document, per-operator memo (kept in ``ctx.memo``)."""

    __slots__ = ("key", "doc", "parts", "used", "kinds_seen", "rendered", "values", "date_shift",
                 "date_order", "scope_key", "link_key", "name_map")

    def __init__(self, key: SecretKey, doc: str) -> None:
        self.key = key
        self.doc = doc
        # (label, kind, norm) -> (accepted attempt, attributes, stream right after the attributes
        # were drawn): replaying from there gives another spelling of the entity the same draw.
        self.parts: dict[tuple[str, str, str], tuple[int, dict[str, str], Any]] = {}
        self.used: dict[tuple[str, str], dict[str, str]] = {}
        self.kinds_seen: dict[tuple[str, str], str] = {}
        self.rendered: dict[tuple[str, str, str], str] = {}  # (label, kind, text) -> surrogate
        self.values: dict[tuple[str, str], str] = {}  # (label, whole span text) -> replacement
        self.date_shift: int | None = None
        self.date_order: str | None = None
        self.scope_key: bytes = b""
        self.link_key: bytes = b""
        self.name_map: Callable[[str], str | None] | None = None


class _SurrogateOperator:
    """Shared machinery: dispatch by label, per-document memo, collision handling."""

    requires_key = True
    mode = "base"
    # pseudonymize guarantees surrogate != original; dp must not (P(y = x) = 0 for the true x
    # only would make the output depend on x without bound).
    forbid_original = True

    def __init__(self, options: Any) -> None:
        self.options = options
        self._memo_key = ("scrubber.pseudo", id(self))
        culture = options.default_culture
        self.kinds: dict[str, Kind] = {
            k.name: k for k in (
                GivenName(culture), Surname(culture), Initial(), Title(), Phone(options.default_region),
                CreditCard(), Iban(), IpAddress(), UsSsn(), MacAddress(), Email(), Url(), Place(),
                Address(), Secret(), Generic(),
            )
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r})"

    # -- state and keys ------------------------------------------------------------------------

    def _state(self, ctx: DocContext) -> _DocState:
        memo_key = self._memo_key
        state = ctx.memo.get(memo_key)
        if state is None:
            if ctx.key is None:
                raise ConfigError(f"the {self.mode} operator needs a secret key (--key-file, SCRUBBER_KEY or --ephemeral-key)")
            state = _DocState(as_secret_key(ctx.key), str(ctx.doc_id))
            self._init_state(state)
            ctx.memo[memo_key] = state
        return state

    def _init_state(self, state: _DocState) -> None:  # pragma: no cover - overridden
        pass

    def _stream(self, state: _DocState, *parts: str) -> KeyedStream:
        # One HMAC per entity part: seed = HMAC(K_scope, label, kind, normalize(x)).
        return KeyedStream(hmac.digest(state.scope_key, encode_parts(*parts), "sha256"))

    def _part_stream(self, state: _DocState, label: str, kind: str, norm: str) -> KeyedStream:
        """``_stream(state, label, kind, norm)`` with the encoded (label, kind) prefix cached."""
        prefix = _PREFIXES.get((label, kind))
        if prefix is None:
            prefix = _PREFIXES[(label, kind)] = encode_parts(label, kind)
        return KeyedStream(hmac.digest(state.scope_key, prefix + encode_parts(norm), "sha256"))

    # -- dispatch ------------------------------------------------------------------------------

    def __call__(self, value: str, span: Span, ctx: DocContext) -> str:
        if not value.strip():
            return value
        label = self.options.as_label or span.label
        state = self._state(ctx)
        vkey = (label, value)
        out = state.values.get(vkey)
        if out is None:
            out = self._replace(value, label, state, ctx)
            state.values[vkey] = out
        return out

    def _replace(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        if label in PERSON_LABELS:
            return self._person(value, label, state, ctx)
        if label in DATE_LABELS:
            return self._date(value, label, state, ctx)
        if label in AGE_LABELS:
            return self._age(value, label, state, ctx)
        if label in LOCATION_LABELS:
            return self._location(value, label, state, ctx)
        kind = _SIMPLE_LABELS.get(label)
        if kind is None:
            if self.options.fallback == "tag":
                return self.options.tag.format(label=label)
            kind = "generic"
        return self._part(value, label, self.kinds[kind], state, ctx)

    # -- one part ------------------------------------------------------------------------------

    def _attrs(self, kind: Kind, text: str, stream: KeyedStream, state: _DocState, ctx: DocContext) -> dict[str, str]:
        raise NotImplementedError

    def _template(self, kind: Kind, text: str) -> str | None:
        raise NotImplementedError

    def _part(self, text: str, label: str, kind: Kind, state: _DocState, ctx: DocContext,
              norm: str | None = None) -> str:
        """The surrogate of one value (or name part): consistent, collision-free, != original."""
        rkey = (label, kind.name, text)
        hit = state.rendered.get(rkey)
        if hit is not None:
            return hit
        if norm is None:
            norm = kind.normalize(text)
        mkey = (label, kind.name, norm)
        template = self._template(kind, text)
        name_map = state.name_map
        known = state.parts.get(mkey)
        if known is not None:  # same entity, another spelling: replay its accepted draw
            attempt, attrs, after_attrs = known
            stream = after_attrs.copy()
            for a in range(attempt):
                kind.generate(stream, attrs, template, name_map, a)
            out = kind.generate(stream, attrs, template, name_map, attempt)
        else:
            stream = self._part_stream(state, label, kind.name, norm)
            attrs = self._attrs(kind, text, stream, state, ctx)
            after_attrs = stream.copy()
            used = state.used.setdefault((label, kind.group or kind.name), {})
            forbid_original = self.forbid_original
            attempt = 0
            while True:
                out = kind.generate(stream, attrs, template, name_map, attempt)
                out_norm = kind.normalize_generated(out)
                ok = used.get(out_norm, norm) == norm and not (forbid_original and out_norm == norm)
                if ok or attempt + 1 >= MAX_TRIES:
                    break
                attempt += 1
            if forbid_original and (out_norm == norm or out.casefold() == text.casefold()):
                # Nothing to vary (no letters or digits, "{}"): fail closed with the tag.
                out = self.options.tag.format(label=label)
                state.rendered[rkey] = out
                return out
            used[out_norm] = norm
            state.parts[mkey] = (attempt, attrs, after_attrs)
        if template is None:
            out = _carry_case(kind.name, text, out)
        state.rendered[rkey] = out
        return out

    # -- person names --------------------------------------------------------------------------

    def _person(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        words = [(m.start(), m.end(), m.group()) for m in _NAME_WORD.finditer(value)]
        roles = _classify_name(value, words, lambda t: state.kinds_seen.get((label, t)))
        if not any(r in ("given", "surname") for r in roles):
            return self._part(value, label, self.kinds["generic"], state, ctx)
        surname_norm = next((_word_norm(w[2]) for w, r in zip(words, roles) if r == "surname"), "")
        pieces: list[str] = []
        pos = 0
        for (start, end, word), role in zip(words, roles):
            pieces.append(value[pos:start])
            pos = end
            core = word.rstrip(".") if role in ("given", "surname") else word
            trail = word[len(core):]
            if role in ("given", "surname"):
                norm = _word_norm(core)
                state.kinds_seen.setdefault((label, norm), role)
                pieces.append(self._part(core, label, self.kinds[role], state, ctx, norm) + trail)
            elif role == "initial":
                pieces.append(self._part(word, label, self.kinds["initial"], state, ctx, _word_norm(word)))
            elif role == "title":
                pieces.append(self._title(word, surname_norm, label, state, ctx))
            elif role == "particle" and self.mode == "dp":
                pieces.append("")
                if value[pos:pos + 1] == " ":
                    pos += 1
            else:
                pieces.append(word)
        pieces.append(value[pos:])
        return "".join(pieces)

    def _title(self, word: str, surname_norm: str, label: str, state: _DocState, ctx: DocContext) -> str:
        return word

    # -- places --------------------------------------------------------------------------------

    def _location(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        out = []
        for piece in re.split(r"(,\s*|\n\s*)", value):
            if not piece or not piece.strip() or piece.startswith((",", "\n")):
                out.append(piece)
                continue
            lead = piece[: len(piece) - len(piece.lstrip())]
            body = piece.strip()
            tail = piece[len(lead) + len(body):]
            out.append(lead + self._part(body, label, self.kinds["place"], state, ctx) + tail)
        return "".join(out)

    # -- dates and ages ------------------------------------------------------------------------

    def _order(self, state: _DocState, ctx: DocContext) -> Callable[[], str]:
        """Day/month order for an ambiguous numeric date: the option, or (``auto``) what an
        unambiguous date elsewhere in the document shows; scanned once, only when needed."""

        def order() -> str:
            if state.date_order is None:
                o = self.options.date_order
                state.date_order = (_dates.detect_order(ctx.text) or "auto") if o == "auto" else o
            return state.date_order

        return order

    def _date(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        raise NotImplementedError

    def _age(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        raise NotImplementedError


def _word_norm(word: str) -> str:
    return basic_normalize(word).replace("\u2019", "'")


def _classify_name(value: str, words: list[tuple[int, int, str]], seen: Callable[[str], str | None]) -> list[str]:
    """Role of each word of a person mention: title, given, initial, particle, surname, suffix."""
    n = len(words)
    roles = ["given"] * n
    lo, hi = 0, n
    while lo < hi and words[lo][2].rstrip(".").casefold() in TITLES and hi - lo > 1:
        roles[lo] = "title"
        lo += 1
    while hi - 1 > lo and words[hi - 1][2].rstrip(".").casefold() in SUFFIXES:
        roles[hi - 1] = "suffix"
        hi -= 1
    core = list(range(lo, hi))
    for i in core:
        w = words[i][2]
        if len(w.rstrip(".")) == 1 and w[0].isalpha():
            roles[i] = "initial"
        elif w in PARTICLES and i not in (core[0], core[-1]):
            roles[i] = "particle"
    names = [i for i in core if roles[i] == "given"]
    if not names:
        return roles
    comma = value.find(",")
    if comma != -1 and len(names) >= 2 and words[names[0]][1] <= comma < words[names[1]][0]:
        roles[names[0]] = "surname"  # "Smith, John"
        return roles
    if len(names) == 1:
        i = names[0]
        norm = _word_norm(words[i][2].rstrip("."))
        if lo > 0:
            roles[i] = "surname"  # "Mr. Smith"
        else:
            # A lone word: its role in this document if seen before, else a given name when the
            # pool knows it as one ("call Mary"), else a surname ("Smith said").
            known = seen(norm)
            if known is not None:
                roles[i] = known
            elif name_pools().given_bucket(norm) is None:
                roles[i] = "surname"
        return roles
    last = names[-1]
    roles[last] = "surname"
    # Words after a particle belong to the surname ("Ludwig van Beethoven", "Maria de la Cruz").
    for i in names[:-1]:
        if any(roles[j] == "particle" for j in range(core[0], i)):
            roles[i] = "surname"
    return roles


class PseudonymizeOperator(_SurrogateOperator):
    mode = "pseudonymize"

    def _init_state(self, state: _DocState) -> None:
        # K_scope = HMAC(K_pseudo, "document", doc) or HMAC(K_pseudo, "corpus").
        k = state.key.derive("pseudonymize")
        state.scope_key = k.hmac("document", state.doc) if self.options.scope == "document" else k.hmac("corpus")
        state.name_map = self._make_name_map(state)

    def _attrs(self, kind: Kind, text: str, stream: KeyedStream, state: _DocState, ctx: DocContext) -> dict[str, str]:
        if not kind.attributes:
            return {}
        known = kind.read_attributes(text)
        attrs = {}
        for a in kind.attributes:
            v = known.get(a.name)
            attrs[a.name] = v if v is not None else (a.default if a.default is not None else stream.choice(a.values))
        return attrs

    def _template(self, kind: Kind, text: str) -> str | None:
        return text

    def _make_name_map(self, state: _DocState) -> Callable[[str], str | None]:
        pools = name_pools()

        def name_map(token: str) -> str | None:
            norm = _word_norm(token)
            if pools.given_bucket(norm) is not None:
                role = "given"
            elif pools.surname_culture(norm) is not None:
                role = "surname"
            else:
                return None
            role = state.kinds_seen.get(("PERSON", norm), role)
            return self._part(token, "PERSON", self.kinds[role], state, None, norm)  # type: ignore[arg-type]

        return name_map

    def _date(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        parsed = _dates.parse_date(value, self._order(state, ctx))
        if parsed is None:
            return self.options.tag.format(label=label)
        span_days = self.options.max_date_shift_days
        if self.options.scope == "document":
            if state.date_shift is None:
                state.date_shift = _nonzero_shift(self._stream(state, "DATE_TIME", "shift"), span_days)
            try:
                out = _dates.shift(parsed, state.date_shift, unit_shift=True)
                if out == value:  # a day and month without year, moved by a whole year
                    out = _dates.shift(parsed, state.date_shift + 1, unit_shift=True)
                return out
            except (OverflowError, ValueError):
                return self.options.tag.format(label=label)
        # Corpus scope: a keyed shift per date value (same date -> same surrogate everywhere).
        norm = f"{parsed.precision}:{parsed.date.isoformat()}"
        stream = self._stream(state, "DATE_TIME", "date", norm)
        used = state.used.setdefault((label, "date"), {})
        out = value
        for _ in range(MAX_TRIES):
            try:
                out = _dates.shift(parsed, _nonzero_shift(stream, span_days), unit_shift=True)
            except (OverflowError, ValueError):
                return self.options.tag.format(label=label)
            key = basic_normalize(out)
            if out != value and used.get(key, norm) == norm:
                break
        used[basic_normalize(out)] = norm
        return out

    def _age(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        m = _AGE_NUMBER.search(value)
        if m is None:
            return self.options.tag.format(label=label)
        age = int(m.group())
        lo, hi = _AGE_BANDS[_band(age)]
        stream = self._stream(state, label, "age", str(age))
        new = age
        for _ in range(MAX_TRIES):
            new = stream.randint(lo, hi)
            if new != age:
                break
        return value[: m.start()] + str(new) + value[m.end():]


def _nonzero_shift(stream: KeyedStream, span_days: int) -> int:
    z = stream.randint(1, span_days)
    return z if stream.randbelow(2) else -z


def _band(age: int) -> int:
    return min(max(age, 0), 120) // 10 if age < 110 else 11


class DPOperator(_SurrogateOperator):
    mode = "dp"
    forbid_original = False

    def __init__(self, options: DPOptions) -> None:
        super().__init__(options)
        self.eps_attr = to_fraction(options.eps_attr, "eps_attr")
        self.eps_link = to_fraction(options.eps_link, "eps_link")
        self.eps_per_day = to_fraction(options.eps_per_day, "eps_per_day")
        self.eps_age = to_fraction(options.eps_age, "eps_age")
        self.preserve = frozenset(options.preserve)
        self._link_pools: dict[tuple[str, str], list[str]] = {}
        if options.link:
            self._part = self._link_part  # type: ignore[method-assign]

    def _init_state(self, state: _DocState) -> None:
        # Seeds HMAC(K_doc, label, kind, normalize(x)) with K_doc = HMAC(K_dp, "document", doc):
        # PRIVACY.md's HMAC(K, doc || label || normalize(x)), nested so the document is hashed once.
        state.scope_key = state.key.derive("dp").hmac("document", state.doc)
        if self.options.link:
            state.link_key = state.key.derive("dp-link").hmac("corpus")

    def _template(self, kind: Kind, text: str) -> str | None:
        # Canonical rendering; the one shape hint kept is "a two-letter code" for places
        # ("Springfield, IL" -> "<city>, VT"), so a state code does not become a city name.
        if kind.name == "place" and len(text) == 2 and text.isupper():
            return "XX"
        return None

    def _attrs(self, kind: Kind, text: str, stream: KeyedStream, state: _DocState, ctx: DocContext) -> dict[str, str]:
        if not kind.attributes:
            return {}
        attrs: dict[str, str] = {}
        kept = [a for a in kind.attributes if a.name in self.preserve]
        for a in kind.attributes:
            if a.name not in self.preserve:
                attrs[a.name] = a.default if a.default is not None else stream.choice(a.values)
        if kept:
            known = kind.read_attributes(text)
            # B-ary randomized response over the product of the preserved attributes' values.
            sizes = [len(a.values) for a in kept]
            true_index = 0
            for a, size in zip(kept, sizes):
                v = known.get(a.name)
                i = a.values.index(v) if v in a.values else stream.randbelow(size)
                true_index = true_index * size + i
            total = 1
            for size in sizes:
                total *= size
            released = stream.randomized_response(true_index, total, self.eps_attr)
            for a, size in reversed(list(zip(kept, sizes))):
                attrs[a.name] = a.values[released % size]
                released //= size
            ctx.epsilon += float(self.eps_attr)
        return attrs

    def _link_part(self, text: str, label: str, kind: Kind, state: _DocState, ctx: DocContext,
                   norm: str | None = None) -> str:
        """``_part`` in link mode: k-ary randomized response over a public pool."""
        if kind.name == "title":
            return _SurrogateOperator._part(self, text, label, kind, state, ctx, norm)
        if norm is None:
            norm = kind.normalize(text)
        mkey = (label, kind.name, norm)
        known = state.parts.get(mkey)
        pool = self._link_pool(label, kind)
        if known is None:
            # The corpus-consistent index is keyed by K_link (no document); randomized response
            # is seeded per document.
            consistent = KeyedStream.from_key(state.link_key, label, kind.name, norm).randbelow(len(pool))
            j = self._stream(state, label, kind.name, norm, "link").randomized_response(
                consistent, len(pool), self.eps_link)
            ctx.epsilon += float(self.eps_link)
            state.parts[mkey] = (j, {}, None)
        else:
            j = known[0]
        return _carry_case(kind.name, text, pool[j])

    def _link_pool(self, label: str, kind: Kind) -> list[str]:
        """A public pool of up to ``link_pool_size`` distinct canonical surrogates of this kind."""
        pool = self._link_pools.get((label, kind.name))
        if pool is None:
            import hashlib

            stream = KeyedStream(hashlib.sha256(f"scrubber/link-pool/{label}/{kind.name}".encode()).digest())
            seen: set[str] = set()
            pool = []
            k = self.options.link_pool_size
            for _ in range(20 * k):
                attrs = {a.name: a.default if a.default is not None else stream.choice(a.values) for a in kind.attributes}
                s = kind.generate(stream, attrs, None)
                n = kind.normalize(s)
                if n not in seen:
                    seen.add(n)
                    pool.append(s)
                    if len(pool) >= k:
                        break
            self._link_pools[(label, kind.name)] = pool
        return pool

    def _title(self, word: str, surname_norm: str, label: str, state: _DocState, ctx: DocContext) -> str:
        if TITLES.get(word.rstrip(".").casefold()) is None:
            return word  # Dr., Prof.: not gendered, kept
        norm = f"{_word_norm(word.rstrip('.'))} {surname_norm}"
        return _SurrogateOperator._part(self, word, label, self.kinds["title"], state, ctx, norm)

    def _date(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        parsed = _dates.parse_date(value, self._order(state, ctx))
        if parsed is None:
            return self.options.tag.format(label=label)
        if state.date_shift is None:
            state.date_shift = self._stream(state, "DATE_TIME", "shift").discrete_laplace(self.eps_per_day)
            ctx.epsilon += float(self.eps_per_day)
        try:
            return _dates.shift(parsed, state.date_shift)
        except (OverflowError, ValueError):
            return self.options.tag.format(label=label)

    def _age(self, value: str, label: str, state: _DocState, ctx: DocContext) -> str:
        m = _AGE_NUMBER.search(value)
        if m is None:
            return self.options.tag.format(label=label)
        age = int(m.group())
        mkey = (label, "age", str(age))
        known = state.parts.get(mkey)
        if known is None:
            stream = self._stream(state, label, "age", str(age))
            band = stream.randomized_response(_band(age), len(_AGE_BANDS), self.eps_age)
            lo, hi = _AGE_BANDS[band]
            new = stream.randint(lo, hi)
            ctx.epsilon += float(self.eps_age)
            state.parts[mkey] = (new, {}, None)
        else:
            new = known[0]
        return value[: m.start()] + str(new) + value[m.end():]


@operators.register("pseudonymize", PseudonymizeOptions)
def make_pseudonymize(options: PseudonymizeOptions) -> PseudonymizeOperator:
    return PseudonymizeOperator(options)


@operators.register("dp", DPOptions)
def make_dp(options: DPOptions) -> DPOperator:
    return DPOperator(options)


def epsilon_summary(values: Any) -> dict[str, float]:
    """Summary of per-record (or per-unit) local epsilons for a manifest.

    ``{"count", "sum", "mean", "max", "p50", "p99", "nonzero"}``; percentiles by the
    nearest-rank method (deterministic, no interpolation). Empty input gives zeros.
    """
    vals = sorted(float(v) for v in values)
    n = len(vals)
    if n == 0:
        return {"count": 0, "sum": 0.0, "mean": 0.0, "max": 0.0, "p50": 0.0, "p99": 0.0, "nonzero": 0}

    def rank(q: float) -> float:
        import math

        return vals[max(0, math.ceil(q * n) - 1)]

    total = sum(vals)
    return {
        "count": n,
        "sum": total,
        "mean": total / n,
        "max": vals[-1],
        "p50": rank(0.50),
        "p99": rank(0.99),
        "nonzero": sum(1 for v in vals if v > 0),
    }


__all__ = [
    "DPOperator",
    "DPOptions",
    "PseudonymizeOperator",
    "PseudonymizeOptions",
    "epsilon_summary",
    "make_dp",
    "make_pseudonymize",
]
