"""Keyed (counter-based) random numbers: a draw is a pure function of (seed, replication, site, occurrence).

A sequential generator hands out numbers in call order, so a replication's numbers depend on
which chunk or worker ran it and on how an engine orders its draws. Here every draw is addressed
instead: the counter (replication, draw site, occurrence) goes through Philox4x32-10 under the run's
key, so the scalar SimPy engine (one `uniform` at a time) and the vectorised engine (`uniforms` over
arrays of replications) get the same numbers, bit for bit, in any chunk, on any worker.

Philox4x32-R is from Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3"
(SC'11), as in Random123 (include/Random123/philox.h) and cuRAND's Philox4_32_10; the tests check
it against Random123's known-answer vectors (its tests/kat_vectors).

Implementation note: numpy has no 32x32 -> 64-bit multiply-high, so the vectorised rounds keep the
state packed as two uint64 words, A = x0 << 32 | x1 and B = x2 << 32 | x3. One round is then

    P0 = (A >> 32) * M0,  P1 = (B >> 32) * M1             (exact 64-bit products hi << 32 | lo)
    A' = P1 ^ (A << 32) ^ (k0 << 32),  B' = P0 ^ (B << 32) ^ (k1 << 32)

which is Random123's round (x0' = hi1 ^ x1 ^ k0, x1' = lo1, x2' = hi0 ^ x3 ^ k1, x3' = lo0) with no
masking: five in-place passes per word, done on cache-sized chunks to keep the work in L2.
"""

from __future__ import annotations

import hashlib
import operator
from functools import lru_cache

import numpy as np

Key = tuple[int, int]  # two 32-bit words

_MASK32 = 0xFFFFFFFF
_MAX64 = 2**64 - 1
_M0, _M1 = 0xD2511F53, 0xCD9E8D57  # Philox4x32 multipliers (PHILOX_M4x32_0/1)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85  # Weyl key increments (PHILOX_W32_0/1): golden ratio, sqrt(3) - 1
_ROUNDS = 10
_CHUNK = 16384  # elements per pass: the two (2, _CHUNK) uint64 work arrays (512 KiB) stay in L2 between passes
_TWO_M53 = 2.0**-53

_u64 = np.uint64


def _c(value: int) -> np.ndarray:
    """A 0-d uint64 array: a ufunc takes it with less overhead than a Python int or numpy scalar."""
    return np.array(value, dtype=_u64)


_S6, _S11, _S32 = _c(6), _c(11), _c(32)
_LO, _HI = _c(_MASK32), _c(_MASK32 << 32)
_CM0, _CM1 = _c(_M0), _c(_M1)
_BITS_26_52 = _c(((1 << 27) - 1) << 26)
_SCALE = np.array(_TWO_M53)

_xor, _and, _or, _mul, _shl, _shr = (
    np.bitwise_xor,
    np.bitwise_and,
    np.bitwise_or,
    np.multiply,
    np.left_shift,
    np.right_shift,
)


def seed_key(seed: int) -> Key:
    """The Philox key of a run's seed (any non-negative int, even > 64 bits).

    np.random.SeedSequence(seed).generate_state(2, np.uint32) as two Python ints: SeedSequence
    mixes every bit of a big seed, so nearby seeds give unrelated keys.
    """
    seed = operator.index(seed)
    if seed < 0:
        raise ValueError(f"a seed is a non-negative integer, not {seed}")
    k0, k1 = np.random.SeedSequence(seed).generate_state(2, np.uint32)
    return int(k0), int(k1)


def site_id(name: str) -> int:
    """A stable 32-bit id for a draw site's name (e.g. 'param:troops', 'clock:talks.progress.meet').

    The first 4 bytes, little-endian, of blake2b(name, digest_size=8): the same in every process and
    Python version, unlike the salted hash().
    """
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little")


def _check_key(key: Key) -> Key:
    k0, k1 = (operator.index(k) for k in key)
    if not (0 <= k0 <= _MASK32 and 0 <= k1 <= _MASK32):
        raise ValueError(f"a Philox key is two 32-bit words, not {key}")
    return k0, k1


@lru_cache(maxsize=256)
def _round_keys(key: Key, rounds: int) -> tuple[tuple[int, int], ...]:
    """(k0, k1) of each round: the key bumped by the Weyl increments before every round but the first.

    Cached, so the scalar path checks and schedules a run's key once, not at every draw.
    """
    k0, k1 = _check_key(key)
    out = []
    for _ in range(rounds):
        out.append((k0, k1))
        k0, k1 = (k0 + _W0) & _MASK32, (k1 + _W1) & _MASK32
    return tuple(out)


@lru_cache(maxsize=256)
def _shifted_round_keys(key: Key, rounds: int) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Each round's k0 << 32 and k1 << 32 as 0-d uint64 arrays, for the packed rounds."""
    keys = _round_keys(key, rounds)
    return tuple(_c(k0 << 32) for k0, _ in keys), tuple(_c(k1 << 32) for _, k1 in keys)


def _packed_rounds(ab: np.ndarray, x: np.ndarray, k0s: tuple[np.ndarray, ...], k1s: tuple[np.ndarray, ...]) -> None:
    """Philox rounds in place on ab = [A; B], A = x0 << 32 | x1, B = x2 << 32 | x3 (x: scratch, same shape).

    The shifts run on both rows in one call; the multiplies and xors row by row, as each row has
    its own constant (a (2, 1) constant or a row-swapped view makes numpy's loops slower than two calls).
    """
    a, b = ab
    x0, x1 = x
    for k0, k1 in zip(k0s, k1s, strict=True):
        _shr(ab, _S32, x)
        _mul(x0, _CM0, x0)  # P0 = hi0 << 32 | lo0
        _mul(x1, _CM1, x1)  # P1 = hi1 << 32 | lo1
        _shl(ab, _S32, ab)
        _xor(a, x1, a)  # (hi1 ^ x1) << 32 | lo1
        _xor(b, x0, b)  # (hi0 ^ x3) << 32 | lo0
        _xor(a, k0, a)
        _xor(b, k1, b)


def _word_array(words: np.ndarray | int, what: str) -> np.ndarray:
    """32-bit words as a uint64 array (a view of an int64 or uint64 array, else a copy), range-checked."""
    arr = np.asarray(words)
    if arr.dtype.kind not in "ui":
        raise TypeError(f"{what} must be integers, not {arr.dtype}")
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) > _MASK32):
        raise ValueError(f"{what} must lie in [0, 2**32)")
    return arr.view(_u64) if arr.dtype in (np.int64, _u64) else arr.astype(_u64)


def philox4x32(
    counter: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], key: Key, rounds: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Philox4x32-R of arrays of counters (four 32-bit words each, arrays broadcastable) under one key.

    Vectorised with numpy, the 32x32 -> 64-bit multiplies done in uint64. Returns four uint32 arrays
    of the broadcast shape. The general form, kept for known-answer tests and other uses; `uniforms`
    runs the same rounds on chunks.
    """
    if len(counter) != 4:
        raise ValueError("a Philox4x32 counter is four words")
    words = np.broadcast_arrays(*(_word_array(w, f"counter word {i}") for i, w in enumerate(counter)))
    shape = words[0].shape
    x0, x1, x2, x3 = (w.reshape(-1) for w in words)
    ab = np.stack([(x0 << _S32) | x1, (x2 << _S32) | x3])
    k0s, k1s = _shifted_round_keys(tuple(key), operator.index(rounds))
    _packed_rounds(ab, np.empty_like(ab), k0s, k1s)
    a, b = ab

    def word(packed: np.ndarray) -> np.ndarray:
        return (packed & _LO).astype(np.uint32).reshape(shape)

    return word(a >> _S32), word(a), word(b >> _S32), word(b)


def _replication_array(replications: np.ndarray) -> np.ndarray:
    """Replications as a uint64 array (a view of an int64 or uint64 array, no copy), refusing negatives."""
    reps = np.asarray(replications)
    if reps.dtype == _u64:
        return reps
    if reps.dtype.kind not in "ui":
        raise TypeError(f"replications must be integers, not {reps.dtype}")
    if reps.dtype != np.int64:
        reps = reps.astype(np.int64)
    if reps.size and int(reps.min()) < 0:
        raise ValueError("replications must be non-negative")
    return reps.view(_u64)


def uniforms(key: Key, replications: np.ndarray, site: int, occurrences: np.ndarray | int) -> np.ndarray:
    """Float64 uniforms in [0, 1) with 53 random bits, one per element of the broadcast arguments.

    Counter (replication & 0xFFFFFFFF, replication >> 32, site, occurrence); from Philox's first two
    output words x0, x1 the number ((x0 >> 5) * 2**26 + (x1 >> 6)) / 2**53, numpy's random_double
    construction. An element's value depends only on its own (replication, occurrence), never on
    the rest of the array, so it equals `uniform` of the same arguments.
    """
    key = tuple(key)
    keys = _round_keys(key, _ROUNDS)
    sk0, sk1 = _shifted_round_keys(key, _ROUNDS)
    site = operator.index(site)
    if not 0 <= site <= _MASK32:
        raise ValueError(f"a site id is a 32-bit word, not {site}")
    reps = _replication_array(replications)
    if np.ndim(occurrences) == 0:
        occ_scalar: int | None = operator.index(occurrences)
        if not 0 <= occ_scalar <= _MASK32:
            raise ValueError(f"an occurrence must lie in [0, 2**32), not {occ_scalar}")
        shape = reps.shape
    else:
        occ_scalar = None
        occ = _word_array(occurrences, "occurrences")
        shape = np.broadcast_shapes(reps.shape, occ.shape)
        occ = np.broadcast_to(occ, shape).reshape(-1)  # a view unless actually broadcast
    reps = np.broadcast_to(reps, shape).reshape(-1)
    out = np.empty(shape, dtype=np.float64)
    n = out.size
    if n == 0:
        return out
    flat = out.reshape(-1)

    # Round 1 has the scalar site as x2, round 2 the scalar lo(M1 * site) as x1: fold them into constants.
    p1 = _M1 * site
    a1 = _c((((p1 >> 32) ^ keys[0][0]) << 32) | (p1 & _MASK32))
    a2 = _c(((p1 & _MASK32) ^ keys[1][0]) << 32)
    b1 = None if occ_scalar is None else _c((occ_scalar ^ keys[0][1]) << 32)
    middle_k0, middle_k1 = sk0[2 : _ROUNDS - 1], sk1[2 : _ROUNDS - 1]

    c = min(_CHUNK, n)
    ab, x = np.empty((2, c), dtype=_u64), np.empty((2, c), dtype=_u64)
    for start in range(0, n, c):
        stop = min(start + c, n)
        if stop - start != c:
            c = stop - start
            ab, x = ab[:, :c], x[:, :c]  # rows no longer adjacent: the two-row calls still work
        a, b = ab
        x0, x1 = x
        rep = reps[start:stop]
        # Round 1: x0 = rep & M, x1 = rep >> 32, x2 = site, x3 = occurrence.
        _and(rep, _LO, x0)
        _mul(x0, _CM0, x0)  # P0
        _and(rep, _HI, a)
        _xor(a, a1, a)  # ((rep >> 32) ^ hi1 ^ k0) << 32 | lo1
        if b1 is not None:
            _xor(x0, b1, b)
        else:
            _shl(occ[start:stop], _S32, b)
            _xor(b, x0, b)
            _xor(b, sk1[0], b)
        # Round 2: x1 is the constant lo1, so A' = P1 ^ constant.
        _shr(ab, _S32, x)
        _mul(x0, _CM0, x0)
        _mul(x1, _CM1, x1)
        _xor(x1, a2, a)
        _shl(b, _S32, b)
        _xor(b, x0, b)
        _xor(b, sk1[1], b)
        # Rounds 3 to 9.
        _packed_rounds(ab, x, middle_k0, middle_k1)
        # Round 10: only x0 and x1 are used.
        _shr(b, _S32, x1)
        _mul(x1, _CM1, x1)
        _shl(a, _S32, a)
        _xor(a, x1, a)
        _xor(a, sk0[_ROUNDS - 1], a)
        # ((x0 >> 5) << 26 | x1 >> 6) / 2**53, exact in float64 (53 bits).
        _shr(a, _S11, x0)
        _and(x0, _BITS_26_52, x0)
        _and(a, _LO, a)
        _shr(a, _S6, a)
        _or(a, x0, a)
        _mul(a.view(np.int64), _SCALE, flat[start:stop])
    return out


def _philox4x32_scalar(counter: tuple[int, int, int, int], key: Key, rounds: int = _ROUNDS) -> tuple[int, ...]:
    """Philox4x32-R of one counter in plain Python ints, as Random123 writes it (for tests)."""
    x0, x1, x2, x3 = counter
    k0, k1 = key
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + _W0) & _MASK32, (k1 + _W1) & _MASK32
        p0, p1 = _M0 * x0, _M1 * x2
        x0, x1, x2, x3 = (p1 >> 32) ^ x1 ^ k0, p1 & _MASK32, (p0 >> 32) ^ x3 ^ k1, p0 & _MASK32
    return x0, x1, x2, x3


def uniform(key: Key, replication: int, site: int, occurrence: int) -> float:
    """The number `uniforms` gives for one element, bit for bit, in plain Python ints (no numpy).

    For the scalar engine, which draws one number at a time: a numpy call per draw would cost more
    than the arithmetic.
    """
    # operator.index: numpy integers become Python ints, whose products do not wrap at 32 bits.
    replication, x2, x3 = operator.index(replication), operator.index(site), operator.index(occurrence)
    if not (0 <= replication <= _MAX64 and 0 <= x2 <= _MASK32 and 0 <= x3 <= _MASK32):
        raise ValueError(f"counter out of range: replication {replication}, site {site}, occurrence {occurrence}")
    x0, x1 = replication & 0xFFFFFFFF, replication >> 32
    keys = _round_keys(key, _ROUNDS)
    # The constants are written out (_M0, _M1, _MASK32): a literal loads faster than a module global.
    for k0, k1 in keys[:-1]:
        p0 = 0xD2511F53 * x0
        p1 = 0xCD9E8D57 * x2
        x0 = (p1 >> 32) ^ x1 ^ k0
        x1 = p1 & 0xFFFFFFFF
        x2 = (p0 >> 32) ^ x3 ^ k1
        x3 = p0 & 0xFFFFFFFF
    p1 = 0xCD9E8D57 * x2  # the last round: only x0 and x1 are used
    x0 = (p1 >> 32) ^ x1 ^ keys[-1][0]
    return ((x0 >> 5) * 67108864 + ((p1 & 0xFFFFFFFF) >> 6)) * _TWO_M53
