"""The simulator's memory, in Redis so that every web thread and process sees it."""

import json
import secrets
import time
import uuid
from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _connection(url):
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


class SimulatorStore:
    def __init__(self, url=None, prefix=None):
        self.redis = _connection(url or settings.PAYFIP_SIMULATOR_REDIS_URL)
        self.prefix = prefix or settings.PAYFIP_SIMULATOR_KEY_PREFIX
        # The Treasury purges operations after a while; then their idOp answers P1.
        self.retention = settings.PAYFIP_SIMULATOR_RETENTION_SECONDS

    def _key(self, kind, id_op):
        return f"{self.prefix}{kind}:{id_op}"

    def create(self, fields: dict) -> str:
        id_op = str(uuid.uuid4())  # 36 characters, as PayFiP's
        record = {**fields, "idOp": id_op, "created": time.time()}
        self.redis.set(self._key("op", id_op), json.dumps(record), ex=self.retention)
        return id_op

    def get(self, id_op: str) -> dict | None:
        if not id_op or len(id_op) > 64:
            return None
        raw = self.redis.get(self._key("op", id_op))
        if raw is None:
            return None
        record = json.loads(raw)
        decision = self.redis.get(self._key("result", id_op))
        if decision is not None:
            record.update(json.loads(decision))
        return record

    def decide(self, id_op: str, resultrans: str, when: time.struct_time) -> tuple[dict, bool]:
        """Store the outcome once: the first decision wins (a double click on VALIDER, or
        VALIDER then Annuler in two tabs, cannot change a result already given)."""
        decision = {
            "resultrans": resultrans,
            "numauto": f"{secrets.randbelow(10**6):06d}" if resultrans == "P" else "",
            "dattrans": time.strftime("%d%m%Y", when),
            "heurtrans": time.strftime("%H%M", when),
        }
        first = self.redis.set(
            self._key("result", id_op), json.dumps(decision), nx=True, ex=self.retention
        )
        return self.get(id_op), bool(first)
