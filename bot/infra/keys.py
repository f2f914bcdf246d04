"""Every Redis key paperbot writes, named in one place: one function per key family.

Each key starts with the deployment's prefix (``PAPERBOT_REDIS_PREFIX``, ``paperbot:`` by default)
and then the family's name, which is also the ``kind`` label of the cache metrics. The strings are
part of the data format: existing deployments read them, so a change here orphans stored data.

Cache (``bot.infra.cache.Cache``; strings hold JSON unless said otherwise):

- ``meta:<paper>``: string, 30 days; arXiv metadata by id as asked and as versioned
  (PaperService, Discovery).
- ``feed:<category>:<hour>``: string, 20 minutes; a category's listing for one hour, its
  replacements (new versions, for UpdateReplies) included (Discovery).
- ``text:<versioned>:<form>``: string, 30 days; a version's sections and code links (PaperService).
- ``fig:<versioned>``: bytes, 30 days; its teaser figure; ``figinfo:<versioned>`` its mime and
  caption (PaperService).
- ``sum:<versioned>:<language>:<model>:<prompts>``: string, 30 days; a summary (PaperService).
- ``index:<versioned>:<format>``: string, 30 days; a version's BM25 passage index (QAService).
- ``answer:<versioned>:<language>:<model>:<prompts>:<question hash>``: string; an answer to a
  history-free question (QAService).
- ``vectors:<versioned>:<provider>:<model>:<size>:<format>``: bytes; passage vectors (Embeddings).
- ``recap:<language>:<model>:<prompts>:<input hash>``: string, 14 days; a weekly recap's theme
  names and overviews as the model wrote them, for one grouping of papers (Recaps).
- ``<any cache key>:lock``: string, seconds; who computes that key now (Cache.get_or_compute).

Stores:

- ``chat:<chat>``: hash, no expiry; language, schedule, last paper, unreachable (ChatStore).
- ``posts:<platform>:<chat id>``: hash, 30 days after use; message id -> paper (PostIndex).
- ``votecards:<platform>:<chat id>``: hash, 30 days after use; message id -> paper, only for
  messages that carry 👍/👎 buttons, whose reactions are votes (PostIndex).
- ``ratelimit:<platform>:<user>``: sorted set, the window; costly requests (UserLimiter).
- ``conv:<chat>:<paper>``: list, a day; recent questions and answers (Conversations).
- ``sub:<id>``: string, no expiry; a subscription; ``subs:chat:<chat>`` set of a chat's ids;
  ``subs:all`` set of every id (SubscriptionStore).
- ``sub:<id>:retry``: set; papers whose delivery failed, retried next digest (DigestRunner).
- ``delivered:<chat>``: sorted set, records kept 120 days; what a chat was sent (DeliveryLog),
  including ``update:<paper>:<kind>:<what>`` for each reply under a changed paper (UpdateReplies).
- ``digest:<sub>:<slot>:prepared|claim|done``: string, 14 days / 2 minutes / 14 days; who
  prefetched the slot's summaries, the sender's claim on it, and that it was sent
  (DigestScheduler). The stored word for prefetching stays ``prepared`` so that running
  deployments' marks still count.
- ``report:<sub>``: hash, 14 days after the last digest; announcement day -> what that day's
  digest announced, posted and left out, as JSON (DigestReports).
- ``quota:<provider>/<model>``: string, until the quota resets; a model whose provider said its
  daily quota is used up, with the reset time, so no process calls it before then (QuotaBook).
- ``feedback:<chat>:votes``: hash, no expiry; "<paper> <user>" -> +1/-1, one vote per user per
  paper; ``feedback:<chat>:papers``: hash, no expiry; paper -> its id, title and abstract as JSON,
  while someone's vote on it stands (FeedbackStore).
- ``follows:<chat>``: hash, no expiry; a followed author's name key -> the name as the chat
  wrote it, who added it and when, as JSON (FollowStore).
- ``authors:<family name>:<window>``: string, 3 days; the papers arXiv's ``au:`` search found
  for a family name over one submission window (``recent`` for /follow's look-up), shared by
  every chat following someone of that name (FollowFinder).
"""

from __future__ import annotations

from typing import Literal

from bot.chat.contract import ChatRef

SlotMark = Literal["prefetch", "claim", "done"]
_SLOT_WORDS: dict[SlotMark, str] = {"prefetch": "prepared", "claim": "claim", "done": "done"}
DEFAULT_PREFIX = "paperbot:"


def family(key: str, prefix: str) -> str:
    """The family of a key (``paperbot:sum:2408.13714v1:…`` → ``sum``), ``other`` when empty."""
    return key.removeprefix(prefix).split(":", 1)[0] or "other"


def meta(prefix: str, paper: str) -> str:
    """A paper's arXiv metadata, by the id as asked (``2408.13714``) or versioned."""
    return f"{prefix}meta:{paper}"


def feed(prefix: str, category: str, hour: str) -> str:
    """One arXiv category's listing as fetched in one hour."""
    return f"{prefix}feed:{category}:{hour}"


TEXT_FORM = 2  # bump when what is kept of a paper's text changes (2: unseen, AI-addressed out)


def text(prefix: str, versioned: str) -> str:
    """A paper version's full text (sections, front matter, code links), as read in this form."""
    return f"{prefix}text:{versioned}:{TEXT_FORM}"


def figure(prefix: str, versioned: str) -> str:
    """A paper version's teaser figure bytes."""
    return f"{prefix}fig:{versioned}"


def figure_info(prefix: str, versioned: str) -> str:
    """A paper version's teaser figure mime type, caption and source."""
    return f"{prefix}figinfo:{versioned}"


def summary(prefix: str, versioned: str, language: str, model: str, prompts: str) -> str:
    """A summary of one version, in one language, by one model and prompt set."""
    return f"{prefix}sum:{versioned}:{language}:{model}:{prompts}"


def passage_index(prefix: str, versioned: str, form: int) -> str:
    """A paper version's BM25 passage index, in storage format ``form``."""
    return f"{prefix}index:{versioned}:{form}"


def answer(
    prefix: str, versioned: str, language: str, model: str, prompts: str, question: str
) -> str:
    """An answer about one version; ``question`` is the normalized question's hash."""
    return f"{prefix}answer:{versioned}:{language}:{model}:{prompts}:{question}"


def recap(prefix: str, language: str, model: str, prompts: str, digest: str) -> str:
    """A recap's theme names and overviews; ``digest`` is the hash of the model's input."""
    return f"{prefix}recap:{language}:{model}:{prompts}:{digest}"


def vectors(prefix: str, versioned: str, provider: str, model: str, size: str, form: int) -> str:
    """A paper version's passage vectors from one embedding model and size."""
    return f"{prefix}vectors:{versioned}:{provider}:{model}:{size}:{form}"


def abstract_vector(prefix: str, provider: str, model: str, size: str, text: str) -> str:
    """The ranking embedding of a paper version (title and abstract) or of a description;
    ``text`` names it: a versioned id, or ``about:<sha1 of the description>``."""
    return f"{prefix}rankvec:{provider}:{model}:{size}:{text}"


def lock(key: str) -> str:
    """Who is computing the value of ``key`` right now (any cache key)."""
    return f"{key}:lock"


def chat(prefix: str, where: ChatRef) -> str:
    """A chat's settings hash: language, schedule, last paper, unreachable."""
    return f"{prefix}chat:{where.key()}"


def posts(prefix: str, where: ChatRef) -> str:
    """A chat's hash from the bot's message ids to the paper each was about (threads share it)."""
    return f"{prefix}posts:{where.platform}:{where.chat_id}"


def vote_cards(prefix: str, where: ChatRef) -> str:
    """A chat's hash from the ids of the bot's messages with vote buttons to their paper."""
    return f"{prefix}votecards:{where.platform}:{where.chat_id}"


def rate_limit(prefix: str, platform: str, user_id: str) -> str:
    """A user's costly requests in the current window."""
    return f"{prefix}ratelimit:{platform}:{user_id}"


def conversation(prefix: str, where: ChatRef, paper: str) -> str:
    """A chat's recent questions and answers about one paper."""
    return f"{prefix}conv:{where.key()}:{paper}"


def subscription(prefix: str, sub_id: str) -> str:
    """One subscription, as JSON."""
    return f"{prefix}sub:{sub_id}"


def chat_subscriptions(prefix: str, where: ChatRef) -> str:
    """The ids of one chat's subscriptions."""
    return f"{prefix}subs:chat:{where.key()}"


def all_subscriptions(prefix: str) -> str:
    """The ids of every subscription."""
    return f"{prefix}subs:all"


def retries(prefix: str, sub_id: str) -> str:
    """Papers a subscription failed to deliver, to try again in its next digest."""
    return f"{prefix}sub:{sub_id}:retry"


def delivered(prefix: str, where: ChatRef) -> str:
    """What a chat has been sent, scored by when."""
    return f"{prefix}delivered:{where.key()}"


def digest_slot(prefix: str, sub_id: str, slot: str, mark: SlotMark) -> str:
    """One digest slot's mark: summaries prefetched, the sender's claim, or sent."""
    return f"{prefix}digest:{sub_id}:{slot}:{_SLOT_WORDS[mark]}"


def feedback_votes(prefix: str, where: ChatRef) -> str:
    """A chat's votes on papers: "<paper> <user>" -> +1 or -1."""
    return f"{prefix}feedback:{where.key()}:votes"


def feedback_papers(prefix: str, where: ChatRef) -> str:
    """The text (id, title, abstract) of each paper a chat has votes on."""
    return f"{prefix}feedback:{where.key()}:papers"


def archive_cards(prefix: str, sub_id: str) -> str:
    """A subscription's delivered cards: paper base id -> day, version, why, message ids."""
    return f"{prefix}archive:{sub_id}:cards"


def archive_days(prefix: str, sub_id: str) -> str:
    """A subscription's digest days: announcement day -> its coverage line."""
    return f"{prefix}archive:{sub_id}:days"


def archive_version(prefix: str, sub_id: str) -> str:
    """A counter bumped on every write to a subscription's archive (its page's cache key)."""
    return f"{prefix}archive:{sub_id}:version"


def digest_reports(prefix: str, sub_id: str) -> str:
    """A subscription's digest accounts: announcement day -> what was posted and left out."""
    return f"{prefix}report:{sub_id}"


def llm_quota(prefix: str, model_id: str) -> str:
    """A model (``gemini/gemini-2.5-flash``) out of quota until the record expires."""
    return f"{prefix}quota:{model_id}"


def web_token(prefix: str, sub_id: str) -> str:
    """A subscription's current web token (its page and feed live at ``/s/<token>``)."""
    return f"{prefix}web:sub:{sub_id}"


def web_subscription(prefix: str, token: str) -> str:
    """Which subscription a web token opens (deleted when the token is revoked)."""
    return f"{prefix}web:token:{token}"


def follows(prefix: str, where: ChatRef) -> str:
    """The authors a chat follows: name key -> the name as written, by whom, when."""
    return f"{prefix}follows:{where.key()}"


def author_search(prefix: str, family: str, window: str) -> str:
    """Papers arXiv's author search found for a family name over one submission window."""
    return f"{prefix}authors:{family}:{window}"
