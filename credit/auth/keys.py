"""Ed25519 signing keys kept as PEM files: the newest signs, every kept key verifies.

Keys are created before the server forks its workers (`credit serve`), and creation is atomic
(a file appears whole or not at all), so racing processes never sign with different new keys.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from credit.clock import utcnow
from credit.private_files import private_folder


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey

    @functools.cached_property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def jwk(self) -> dict[str, str]:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64url(raw),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }


class KeyRing:
    """The keys of one purpose (e.g. tokens, reports) in one directory, oldest first by name."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._cache: dict[str, SigningKey] = {}

    def ensure(self) -> SigningKey:
        """The current signing key, creating the first one when there is none."""
        keys = self.keys()
        return keys[-1] if keys else self.rotate()

    def rotate(self) -> SigningKey:
        """Adds a new key that signs from now on; older keys keep verifying."""
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        thumb = hashlib.sha256(
            json.dumps(
                {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)},
                separators=(",", ":"),
                sort_keys=True,
            ).encode()
        ).digest()
        kid = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{_b64url(thumb)[:12]}"
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        private_folder(self.directory)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".new-", suffix=".pem")
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.directory / f"{kid}.pem")
        key = SigningKey(kid, private)
        self._cache[kid] = key
        return key

    def keys(self) -> list[SigningKey]:
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.pem")):
            if path.name.startswith("."):
                continue
            kid = path.stem
            if kid not in self._cache:
                private = serialization.load_pem_private_key(path.read_bytes(), password=None)
                if not isinstance(private, Ed25519PrivateKey):
                    continue
                self._cache[kid] = SigningKey(kid, private)
            found.append(self._cache[kid])
        return found

    def current(self) -> SigningKey:
        keys = self.keys()
        if not keys:
            raise LookupError(f"no signing key in {self.directory}")
        return keys[-1]

    def find(self, kid: object) -> SigningKey | None:
        """The kept key named `kid`, or None.

        A key id comes from outside (a token's header), so it is only ever compared with the
        ids of the keys in the folder, never made into a file name.
        """
        if not isinstance(kid, str):
            return None
        if kid not in self._cache:
            # Another process may have rotated in a new key since this one last listed them.
            self.keys()
        return self._cache.get(kid)

    def jwks(self) -> dict:
        return {"keys": [key.jwk() for key in self.keys()]}
