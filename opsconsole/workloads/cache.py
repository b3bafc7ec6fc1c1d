"""The cluster state cache in Redis: rows the sync writes, pages the views read.

Keys (prefix `oc`, a scope is a namespace, `_all` for every allowed namespace, or `_cluster`
for cluster-scoped kinds):

    oc:row:<kind>:<uid>                 the row, one JSON string
    oc:ids:<kind>:<scope>               SET of uids (the scope's members)
    oc:z:<kind>:<scope>:<column>        ZSET per sortable column: numbers as scores with the
                                        uid as member; text as "<value>\\0<uid>" at score 0,
                                        so Redis orders it lexicographically
    oc:st:<kind>:<scope>:<status>       SET of uids per status word (its SCARD is the counter)
    oc:stn:<kind>:<scope>               SET of the status words present
    oc:l:<kind>:<scope>:<key>=<value>   SET of uids per label pair; oc:lk:…:<key> per label key
    oc:alloc:<node>                     HASH cpu/memory/gpu requested by the synced pods on it
    oc:restarts:<namespace>             HASH "Kind/name" → restarts of the workload's pods
    oc:synced:<kind>                    HASH scope → when the sync last heard from the server
    oc:error:<kind>                     HASH scope → why the sync cannot read the kind

A page is one ZRANGE plus one MGET; a filtered page (q, selector, status) is one Lua script
that walks the sort index and keeps the matches. Every write is pipelined.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import redis
from django.conf import settings

from opsconsole.cluster.rows import Row, sort_keys, sort_text

PREFIX = "oc"
ALL = "_all"
CLUSTER = "_cluster"
_SEP = "\x00"
_CHUNK = 500


@cache
def connection() -> redis.Redis:
    """One client (and pool) per process; OPSCONSOLE_CACHE_REDIS_URL, else REDIS_URL."""
    url = getattr(settings, "OPSCONSOLE_CACHE_REDIS_URL", "") or settings.REDIS_URL
    return redis.Redis.from_url(
        url, socket_timeout=5, socket_connect_timeout=2, decode_responses=True
    )


def _k(*parts: str) -> str:
    return ":".join((PREFIX, *parts))


def _dumps(row: Row) -> str:
    return json.dumps(row, separators=(",", ":"), sort_keys=True)


def scopes_of(row: Row) -> tuple[str, ...]:
    return (row["namespace"], ALL) if row["namespace"] else (CLUSTER,)


def _str_member(value: Any, uid: str) -> str:
    return f"{value}{_SEP}{uid}"


Entry = tuple[str, str, str, float]  # (type "z"|"s", key, member, score)


def _entries(kind: str, row: Row) -> set[Entry]:
    """Every index entry a row makes: its sort positions, status and labels, per scope."""
    uid = row["uid"]
    out: set[Entry] = set()
    for scope in scopes_of(row):
        out.add(("s", _k("ids", kind, scope), uid, 0))
        for column, typ in sort_keys(kind).items():
            value = row.get(column)
            key = _k("z", kind, scope, column)
            if typ == "num":
                try:
                    score = float(value or 0)
                except (TypeError, ValueError):  # e.g. a revision annotation that is no number
                    score = 0.0
                out.add(("z", key, uid, score))
            else:
                out.add(("z", key, _str_member(sort_text(value), uid), 0))
        status = str(row.get("status", ""))
        out.add(("s", _k("st", kind, scope, status), uid, 0))
        for label, value in (row.get("labels") or {}).items():
            out.add(("s", _k("l", kind, scope, f"{label}={value}"), uid, 0))
            out.add(("s", _k("lk", kind, scope, label), uid, 0))
    return out


def _statuses(kind: str, row: Row) -> set[tuple[str, str]]:
    return {(_k("stn", kind, s), str(row.get("status", ""))) for s in scopes_of(row)}


class RedisSink:
    """The sync's side: applies row events to Redis (opsconsole.cluster.sync.Sink).

    It keeps each row's last JSON in memory so an update removes exactly the index entries
    the old row made; after a restart (or a new leader) it reloads them from Redis before
    the first LIST of a scope, so rows deleted while nobody watched still disappear.
    """

    def __init__(self, client: redis.Redis | None = None) -> None:
        self.redis = client or connection()
        self._rows: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._touched: dict[tuple[str, str], float] = {}

    # -- the Sink protocol ------------------------------------------------------------------

    def replace_all(self, plural: str, scope: str | None, rows: Iterable[Row]) -> int:
        scope_key = scope or (ALL if plural != "nodes" else CLUSTER)
        with self._lock:
            known = self._rows.setdefault(plural, {})
            existing = {str(m) for m in self.redis.smembers(_k("ids", plural, scope_key))}
            missing = [uid for uid in existing if uid not in known]
            for start in range(0, len(missing), _CHUNK):
                chunk = missing[start : start + _CHUNK]
                values = self.redis.mget([_k("row", plural, uid) for uid in chunk])
                for uid, value in zip(chunk, values, strict=True):
                    if value is not None:
                        known[uid] = str(value)
        seen: set[str] = set()
        batch: list[Row] = []
        for row in rows:
            seen.add(row["uid"])
            batch.append(row)
            if len(batch) >= _CHUNK:
                self._write(plural, batch, [])
                batch = []
        with self._lock:  # other namespaces' threads write to `known` meanwhile
            gone = [json.loads(text) for uid, text in known.items() if uid not in seen]
        if scope is not None:
            gone = [r for r in gone if r["namespace"] == scope]
        self._write(plural, batch, gone)
        if plural == "pods":
            self._recount_pods()
        self.redis.hdel(_k("error", plural), scope_key)
        self.touch(plural, scope, force=True)
        return len(seen)

    def upsert(self, plural: str, row: Row) -> None:
        self._recall(plural, row["uid"])
        self._write(plural, [row], [])

    def delete(self, plural: str, row: Row) -> None:
        self._recall(plural, row["uid"])
        self._write(plural, [], [row])

    def _recall(self, plural: str, uid: str) -> None:
        """A row this process has not seen (another process wrote it) is read back first,
        so its old index entries go; after a LIST this never reaches Redis."""
        with self._lock:
            known = self._rows.setdefault(plural, {})
            if uid not in known:
                text = self.redis.get(_k("row", plural, uid))
                if text is not None:
                    known[uid] = str(text)

    def touch(self, plural: str, scope: str | None, force: bool = False) -> None:
        """Record that the server answered; at most once a second per scope."""
        scope_key = scope or ALL
        now = time.time()
        if not force and now - self._touched.get((plural, scope_key), 0) < 1.0:
            return
        self._touched[(plural, scope_key)] = now
        self.redis.hset(_k("synced", plural), scope_key, now)

    def failed(self, plural: str, scope: str | None, reason: str) -> None:
        self.redis.hset(_k("error", plural), scope or ALL, reason)

    # -- writing ----------------------------------------------------------------------------

    def _write(self, plural: str, rows: list[Row], deleted: list[Row]) -> None:
        with self._lock:
            known = self._rows.setdefault(plural, {})
            pipe = self.redis.pipeline(transaction=True)
            for row in rows:
                text = _dumps(row)
                old_text = known.get(row["uid"])
                if old_text == text:
                    continue
                old = json.loads(old_text) if old_text else None
                self._index(pipe, plural, old, row)
                pipe.set(_k("row", plural, row["uid"]), text)
                known[row["uid"]] = text
            for row in deleted:
                old_text = known.pop(row["uid"], None)
                old = json.loads(old_text) if old_text else row
                self._index(pipe, plural, old, None)
                pipe.delete(_k("row", plural, row["uid"]))
            pipe.execute()

    def _index(
        self, pipe: redis.client.Pipeline, plural: str, old: Row | None, new: Row | None
    ) -> None:
        before = _entries(plural, old) if old else set()
        after = _entries(plural, new) if new else set()
        for typ, key, member, _ in before - after:
            if typ == "z":
                pipe.zrem(key, member)
            else:
                pipe.srem(key, member)
        for typ, key, member, score in after - before:
            if typ == "z":
                pipe.zadd(key, {member: score})
            else:
                pipe.sadd(key, member)
        for key, status in _statuses(plural, new) if new else set():
            pipe.sadd(key, status)
        if plural == "pods":
            self._pod_totals(pipe, old, -1)
            self._pod_totals(pipe, new, 1)

    def _pod_totals(self, pipe: redis.client.Pipeline, row: Row | None, sign: int) -> None:
        if row is None:
            return
        if row.get("node"):
            for resource, amount in (row.get("requests") or {}).items():
                pipe.hincrbyfloat(_k("alloc", row["node"]), resource, sign * amount)
        if row.get("workload") and row.get("restarts"):
            pipe.hincrby(_k("restarts", row["namespace"]), row["workload"], sign * row["restarts"])

    def _recount_pods(self) -> None:
        """Totals from scratch after a LIST: increments never drift for long."""
        alloc: dict[str, dict[str, float]] = {}
        restarts: dict[str, dict[str, int]] = {}
        with self._lock:
            for text in self._rows.get("pods", {}).values():
                row = json.loads(text)
                if row.get("node"):
                    node = alloc.setdefault(row["node"], {})
                    for resource, amount in (row.get("requests") or {}).items():
                        node[resource] = node.get(resource, 0.0) + amount
                if row.get("workload"):
                    ns = restarts.setdefault(row["namespace"], {})
                    ns[row["workload"]] = ns.get(row["workload"], 0) + int(row.get("restarts", 0))
            pipe = self.redis.pipeline(transaction=True)
            for key in self.redis.scan_iter(_k("alloc", "*")):
                pipe.delete(key)
            for key in self.redis.scan_iter(_k("restarts", "*")):
                pipe.delete(key)
            for node_name, node_totals in alloc.items():
                if node_totals:
                    pipe.hset(_k("alloc", node_name), mapping=_fields(node_totals))
            for ns_name, workload_totals in restarts.items():
                if workload_totals:
                    pipe.hset(_k("restarts", ns_name), mapping=_fields(workload_totals))
            pipe.execute()


# -- reading ------------------------------------------------------------------------------

# Filters and sorts one scope's rows inside Redis. KEYS[1] is the sort index, KEYS[2] the name
# index (for q), KEYS[3] the scope's ids. ARGV: text index?, descending?, offset, count, q,
# row key prefix, the sort column's row field, then groups "+"|"-", n, n set keys: a "+"
# group keeps members of the union of its sets, a "-" group drops them. Returns {total, uid…}.
# Two ways: when a "+" group is small next to the index (status=Pending, a rare label), sort
# just its members (by ZSCORE, or by the row's field for text columns); otherwise walk the
# sort index in order, in chunks, keeping what passes.
_FILTER_LUA = """
local is_text = ARGV[1] == '1'
local desc = ARGV[2] == '1'
local offset = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
local q = ARGV[5]
local row_prefix = ARGV[6]
local field = ARGV[7]
local groups = {}
local i = 8
while i <= #ARGV do
  local n = tonumber(ARGV[i + 1])
  local keys = {}
  for j = 1, n do keys[j] = ARGV[i + 1 + j] end
  groups[#groups + 1] = {positive = ARGV[i] == '+', keys = keys}
  i = i + 2 + n
end
local function load(g)
  if g.set == nil then
    g.set = {}
    for _, key in ipairs(g.keys) do
      for _, m in ipairs(redis.call('SMEMBERS', key)) do g.set[m] = true end
    end
  end
  return g.set
end
local function passes(uid)
  for _, g in ipairs(groups) do
    if (load(g)[uid] == true) ~= g.positive then return false end
  end
  return true
end
local function slice(list, total)
  local out = {total}
  for k = offset + 1, math.min(offset + count, #list) do out[#out + 1] = list[k] end
  return out
end

-- A status word's sets, or one label key's value sets, are disjoint: when their sizes add up
-- to the whole index the group keeps everything and is skipped (status=Running when all run).
-- A group holding most rows is turned around: its complement (SDIFF against the scope's
-- ids, KEYS[3]) is small, so "synthetic=true" keeps all but the few without it.
local indexed = redis.call('ZCARD', KEYS[1])
local best, best_size = nil, nil
local kept = {}
for _, g in ipairs(groups) do
  local size = 0
  for _, key in ipairs(g.keys) do size = size + redis.call('SCARD', key) end
  if g.positive and size >= indexed then
    size = -1  -- keeps every row: no filter at all
  elseif size * 2 > indexed then
    g.set = {}
    local rest = redis.call('SDIFF', KEYS[3], unpack(g.keys))
    for _, m in ipairs(rest) do g.set[m] = true end
    g.positive = not g.positive
    size = #rest
  end
  if size >= 0 then
    kept[#kept + 1] = g
    if g.positive and (best_size == nil or size < best_size) then best, best_size = g, size end
  end
end
groups = kept
if q == '' and #groups == 0 then
  local out = {indexed}
  local page
  if desc then
    page = redis.call('ZRANGE', KEYS[1], offset, offset + count - 1, 'REV')
  else
    page = redis.call('ZRANGE', KEYS[1], offset, offset + count - 1)
  end
  for _, m in ipairs(page) do
    if is_text then m = string.sub(m, string.find(m, '\\0', 1, true) + 1) end
    out[#out + 1] = m
  end
  return out
end
if q == '' and best ~= nil and best_size <= 2000 and best_size * 4 < indexed then
  local items = {}
  for uid, _ in pairs(load(best)) do
    if passes(uid) then
      local key
      if is_text then
        local row = redis.call('GET', row_prefix .. uid)
        local v = ''
        if row then
          v = cjson.decode(row)[field]
          if type(v) == 'table' then v = table.concat(v, ', ')
          elseif v == true then v = 'True' elseif v == false then v = 'False'
          elseif v == nil or v == cjson.null then v = '' else v = tostring(v) end
        end
        key = v .. '\\0' .. uid
      else
        key = tonumber(redis.call('ZSCORE', KEYS[1], uid)) or 0
      end
      items[#items + 1] = {key, uid}
    end
  end
  table.sort(items, function(a, b)
    if a[1] == b[1] then
      if desc then return a[2] > b[2] end
      return a[2] < b[2]
    end
    if desc then return a[1] > b[1] end
    return a[1] < b[1]
  end)
  local uids = {}
  for k, item in ipairs(items) do uids[k] = item[2] end
  return slice(uids, #uids)
end

local named = nil
local inline_q = q ~= '' and KEYS[1] == KEYS[2]
if q ~= '' and not inline_q then
  named = {}
  for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if string.find(m, q, 1, true) then
      local cut = string.find(m, '\\0', 1, true)
      if string.find(string.sub(m, 1, cut - 1), q, 1, true) then
        named[string.sub(m, cut + 1)] = true
      end
    end
  end
end
local total = 0
local out = {0}
local step = 5000
for start = 0, indexed - 1, step do
  local members
  if desc then
    members = redis.call('ZRANGE', KEYS[1], start, start + step - 1, 'REV')
  else
    members = redis.call('ZRANGE', KEYS[1], start, start + step - 1)
  end
  for _, m in ipairs(members) do
    local keep = true
    local hit = nil
    if inline_q then
      -- Most names miss: look for q in the whole member first, then make sure the hit
      -- lies in the name and not in the uid after the NUL.
      hit = string.find(m, q, 1, true)
      keep = hit ~= nil
    end
    if keep then
      local uid = m
      if is_text then
        local cut = string.find(m, '\\0', 1, true)
        uid = string.sub(m, cut + 1)
        if hit ~= nil and hit + #q - 1 >= cut then
          local name = string.sub(m, 1, cut - 1)
          keep = string.find(name, q, 1, true) ~= nil
        end
      end
      if keep and named ~= nil and not named[uid] then keep = false end
      if keep and not passes(uid) then keep = false end
      if keep then
        if total >= offset and total < offset + count then out[#out + 1] = uid end
        total = total + 1
      end
    end
  end
end
out[1] = total
return out
"""


class BadSelector(ValueError):
    """A label selector we cannot read; the message says where."""


_REQUIREMENT = re.compile(
    r"\s*(?:(?P<not>!)\s*(?P<nkey>[\w./-]+)"
    r"|(?P<key>[\w./-]+)\s*(?:(?P<op>==|!=|=)\s*(?P<value>[\w.-]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<values>[^)]*)\))?)\s*(?:,|$)"
)


def parse_selector(text: str) -> list[tuple[str, str, list[str]]]:
    """A label selector as (op, key, values): op is =, !=, in, notin, exists or !exists."""
    out: list[tuple[str, str, list[str]]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _REQUIREMENT.match(text, pos)
        if not m or m.end() == pos:
            raise BadSelector(f"cannot read the label selector at {text[pos:]!r}")
        pos = m.end()
        if m["nkey"]:
            out.append(("!exists", m["nkey"], []))
        elif m["op"]:
            out.append(("!=" if m["op"] == "!=" else "=", m["key"], [m["value"]]))
        elif m["setop"]:
            values = [v.strip() for v in m["values"].split(",") if v.strip()]
            out.append((m["setop"], m["key"], values))
        else:
            out.append(("exists", m["key"], []))
    return out


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class Freshness:
    synced_at: float | None  # the oldest scope's last word from the API server
    errors: list[str] = field(default_factory=list)

    @property
    def age(self) -> float | None:
        return None if self.synced_at is None else max(0.0, time.time() - self.synced_at)


class Cache:
    """The views' side: typed reads, one round trip or two per call."""

    def __init__(self, client: redis.Redis | None = None) -> None:
        self.redis = client or connection()
        self._filter = self.redis.register_script(_FILTER_LUA)

    def page(
        self,
        kind: str,
        scope: str,
        *,
        q: str = "",
        selector: str = "",
        status: str = "",
        sort: str = "name",
        descending: bool = False,
        page: int = 1,
        per_page: int = 50,
    ) -> Page:
        """One page of rows of `kind` in `scope` (a namespace, ALL or CLUSTER)."""
        columns = sort_keys(kind)
        if sort not in columns:
            sort = "name"
        is_text = columns[sort] == "str"
        index = _k("z", kind, scope, sort)
        offset = (max(page, 1) - 1) * per_page
        requirements = parse_selector(selector)
        if not (q or requirements or status):
            pipe = self.redis.pipeline(transaction=False)
            pipe.zcard(index)
            pipe.zrange(index, offset, offset + per_page - 1, desc=descending)
            total, members = pipe.execute()
            uids = [_uid(str(m), is_text) for m in members]
        else:
            args = self._filter_args(kind, scope, requirements, status)
            answer = self._filter(
                keys=[index, _k("z", kind, scope, "name"), _k("ids", kind, scope)],
                args=[
                    "1" if is_text else "0",
                    "1" if descending else "0",
                    offset,
                    per_page,
                    q.strip().lower(),
                    _k("row", kind, ""),
                    sort,
                    *args,
                ],
            )
            total, uids = int(answer[0]), [str(m) for m in answer[1:]]
        return Page(self.rows(kind, uids), int(total), max(page, 1), per_page)

    def _filter_args(
        self, kind: str, scope: str, requirements: list[tuple[str, str, list[str]]], status: str
    ) -> list[str]:
        args: list[str] = []

        def group(sign: str, keys: list[str]) -> None:
            args.extend([sign, str(len(keys)), *keys])

        if status:
            group("+", [_k("st", kind, scope, status)])
        for op, key, values in requirements:
            pairs = [_k("l", kind, scope, f"{key}={v}") for v in values]
            if op in ("=", "in"):
                group("+", pairs)
            elif op in ("!=", "notin"):
                group("-", pairs)
            elif op == "exists":
                group("+", [_k("lk", kind, scope, key)])
            else:
                group("-", [_k("lk", kind, scope, key)])
        return args

    def rows(self, kind: str, uids: list[str]) -> list[Row]:
        if not uids:
            return []
        values = self.redis.mget([_k("row", kind, uid) for uid in uids])
        return [json.loads(v) for v in values if v is not None]

    def all_rows(self, kind: str, scope: str, limit: int = 1000) -> list[Row]:
        """Every row of a small collection (workloads, HPAs, nodes), by name."""
        members = self.redis.zrange(_k("z", kind, scope, "name"), 0, limit - 1)
        return self.rows(kind, [_uid(str(m), True) for m in members])

    def status_rows(self, kind: str, scope: str, status: str, limit: int = 50) -> list[Row]:
        uids = self.redis.srandmember(_k("st", kind, scope, status), limit)
        rows = self.rows(kind, [str(u) for u in uids or []])
        return sorted(rows, key=lambda r: (r["namespace"], r["name"]))

    def counts(self, kind: str, scope: str) -> dict[str, int]:
        """Rows per status word, e.g. {"Running": 40, "Pending": 2}."""
        names = sorted(str(m) for m in self.redis.smembers(_k("stn", kind, scope)))
        if not names:
            return {}
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.scard(_k("st", kind, scope, name))
        return {n: int(c) for n, c in zip(names, pipe.execute(), strict=True) if c}

    def restarts(self, namespace: str) -> dict[str, int]:
        raw = self.redis.hgetall(_k("restarts", namespace))
        return {str(k): int(v) for k, v in raw.items()}

    def allocations(self, nodes: list[str]) -> dict[str, dict[str, float]]:
        pipe = self.redis.pipeline(transaction=False)
        for node in nodes:
            pipe.hgetall(_k("alloc", node))
        return {
            node: {str(k): float(v) for k, v in raw.items()}
            for node, raw in zip(nodes, pipe.execute(), strict=True)
        }

    def freshness(self, kind: str) -> Freshness:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(_k("synced", kind))
        pipe.hgetall(_k("error", kind))
        synced, errors = pipe.execute()
        stamps = [float(v) for v in synced.values()]
        return Freshness(
            synced_at=min(stamps) if stamps else None,
            errors=sorted(str(v) for v in errors.values()),
        )


def _fields(values: dict[str, float] | dict[str, int]) -> dict[Any, Any]:
    return dict(values)


def _uid(member: str, is_text: bool) -> str:
    return member.rsplit(_SEP, 1)[1] if is_text else member


def flush(client: redis.Redis | None = None) -> None:
    """Forget every cached row (tests, and a console pointed at another cluster)."""
    r = client or connection()
    keys: Iterator[Any] = r.scan_iter(f"{PREFIX}:*", count=1000)
    batch = []
    for key in keys:
        batch.append(key)
        if len(batch) >= 1000:
            r.delete(*batch)
            batch = []
    if batch:
        r.delete(*batch)
