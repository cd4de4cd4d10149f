"""Golden runs recorded from the real Go 1.27.3 runtime: the engine must reproduce them.

Each run is an op script (regenerated here from a seed), the hashes Go computed for
every key under every seed the map had, and every random draw the runtime made (map
seeds, iterator offsets). The model, fed those, must produce the recorded sequence
of states: after every ``checkpoint`` ops a running SHA-256 over the snapshots (and
the lookup/iteration results) is compared with the digest recorded when the same
run was checked, op by op and field by field, against what ``unsafe`` read out of
the Go map (``int64`` keys take ``mapassign_fast64``, ``float64`` keys the generic
``mapassign``, ``string`` keys ``mapassign_faststr``).

What the runs cover: the small map and its move to a table, grows 16 → 1024, a
split with directory growth (int64), tombstones, a successful ``pruneTombstones``
(string churn), clears and re-seeds (float64), lookups, and ~230 iterators stepped
while the map is mutated and grown underneath them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
from collections import deque
from typing import Any

import pytest

from gomap.swiss import SwissMap

CHECKPOINT = 100
KEY_KIND = {"int64": "fast64", "float64": "generic", "string": "faststr"}


def golden_ops(kind: str, n: int, nops: int, seed: int) -> tuple[list[Any], list[list[Any]]]:
    """The op script of a golden run (only rng.random() is used: stable across Pythons)."""
    rng = random.Random(seed)
    keys = list(range(n)) if kind == "int64" else (
        [i * 0.5 for i in range(n)] if kind == "float64" else [f"k{i}" for i in range(n)])
    ops: list[list[Any]] = [["new", int(rng.random() * 3) * 7]]  # hint 0, 7 or 14
    p_del = 0.33 if kind == "int64" else 0.45
    live: list[Any] = []
    fresh = 0
    iterating = False
    for step in range(nops):
        r = rng.random()
        if iterating and r < 0.25:
            ops.append(["next"])
        elif r < 0.27:
            ops.append(["iter"])
            iterating = True
        elif kind == "string":
            # churn at constant size: delete a live key, insert a fresh one
            if len(live) < 24:
                live.append(keys[fresh])
            else:
                j = int(rng.random() * len(live))
                ops.append(["del", live[j]])
                live[j] = keys[fresh]
            ops.append(["set", keys[fresh], step])
            fresh = (fresh + 1) % n
        elif step == nops // 2 and kind == "float64":
            ops.extend(["del", x] for x in keys)
        elif r < 0.2715 and kind == "float64":
            ops.append(["clear"])
        elif r < p_del:
            ops.append(["del", keys[int(rng.random() * n)]])
        elif r < p_del + 0.05:
            ops.append(["get", keys[int(rng.random() * n)]])
        else:
            ops.append(["set", keys[int(rng.random() * n)], step])
    return keys, ops


GOLDEN: list[dict[str, Any]] = [
    {
        "kind": 'int64', "n": 1200, "nops": 4000, "seed": 1,
        "draws": (
            "qksSy1Z19iGojT1K6IBp22bO4xAAaWqdDpi7ekqAmjIBCJPxlQBbm7Tcy5a9YTOAnJrr+LmZcM+J2aIsrW/K/AFy"
            "92zma7QuDJQKjfl33cTbaZqpiZMiAaNszcHTVrDMGjDt0kGuz63+s630uesVv/XGKLr4v6omzXdcOUbseFzjC63o"
            "c6hDmaE4s5XcYN+jRwh/v6afwE7KIbqcYQ8Z/+CfKUChNmYukCrUYi3ILs8OD4tvyhC1XWvMM48Z+J9Z4B8qQZeB"
            "aFqRyYfkhHvSC6aE4MrxBSzBdy6tBYJokZrU2Of6540VDyIu1SLSA5MnlFewKTPu3LV5RA9DQd0xBIKv4B6N/tQe"
            "dp7r0jzDA0CS9gwpuYvNdTmaaNEbmo3UtN8pvAeEV1Ny0IUgL9awTjINLj5so7mgQJ4+YxwpyHGFMhECMu6FVtyc"
            "mf691QB2zZbbxC1c9Q07pGgV/8JDX851wTqtrhoifyTWDDXRNv4K2TX6OrEwEx6fhkjdbFmWpCgaa8AGxWmjVTH5"
            "5Z/vAIfok69sccKzGI+pTYYQ9wj0BJvMMPoj9F7kSzrTuR3mXeDJpKLggSFVVCFdHki6IG/+A3siiho6ImyRRB84"
            "SsffasPVrIu3JbB3kKnGcdfbHIlsKv0adDN5DqcEnUYZVjyL52XoaOq0JwVO+Tb5lRQkVVcX3+KHUepbWmT2p93J"
            "cU+/yhurvU73RL3l6N7IMKCs2/1ex5/G/ymEBMxqAMmchkYKWV3cV9pVtChEbTptdYFSUOmuCWq0JVmQWbNmugNe"
            "o2VGb6Uu0M/0cgap8xpVWODi8QjZL0Y/f/+B4nGoIXs7/j2nQIdHvS+jIBuAalbxR7oPI+U21/6c2tlplrK35WhL"
            "SefTiEsAJ1ikvgh5Y7Telq0zeVp2tk0zq+EPIDkfvLkiu41bM0NLG/KaPv7okpja9VQ61Zv9xXn5m1Jpny95V1Cs"
            "XYTAXd04YHrv6Gkib1AemfFQ0dqOqlL0suBAT5hmIX67p6My9lsM0pIxKFA9JWKWfi/yrJYlaePPuBriXU3QZMb9"
            "AytUKUa7tXbX1gR7q4m89UGex6BtnFZL0IgGGrfkx/CAXYrgQnS/2sWx+QklBcrctGbnyLWX1HQd+O1Tjm3izWMu"
            "n8Xni8ZPoGN63mhYHKnsB481XCopyDdP8DviQ+li1jmerkM0HrlyY8iSRVZaaTXRQDl6JFs8/kD2bGN0QQ+0zvfz"
            "xYrMFIyvI8aMIEJv5RmAIMe7lWs0lN2gxEDeF7P1OWfgf6r74diM4Ituzj25+4F/8TCDQnLZ3S6QWO1Z7KvZ9YWq"
            "TR5pcbeInsBLsJhHve9TGbvPHi7veuFnMZSBXNQWROF+Z39eNvpo4siawbMeK8WmYPIvaeBFMFIgj/GRq7bQL+zG"
            "0qoM5GOU4Ee142q4nnVHMlMgelT4nT/P7deKox2dbF4eO6nn24l2oAhAGZfpZ781qetaeEB/Ew3ORGLVEOeApOq8"
            "pc0owvrT2PowGmwyvVXZYwlb6XVjUAmH37S7ukUsSx8pkWO10R+SmmhjEPcXAbXiDgsv2ZEh6lj845CMBdO4bVRd"
            "IGZe2ee72WjMBXPMCFJwr9WmI+Vv6PjmgMQrTr3Eyc+PqtJT8n9I/3u+aPAj40iwiUcdFNKmm4CHlX5ivL0FFuA/"
            "pMgw/30qi7Nm0dIuEEENmxzDFgcvRoHcCBoJVilgxwI3xdQcUzvosSas/NG77gkr9GwVClgZCyi4ozx1cG5iIEaj"
        ),
        "hashes": {
            2447272463157054378: (
                "39n+lth0VYgHn/Rc03NaGD/twSyPMc6SZBt0NUQNCQNBOCEcetgkRtewgM22UFvebTp1Xt4sgp+c+45oFvcqofId"
                "wQyQxp9DflfugDmN5gNV+6Ps2swUVnmTfskwihbKvxLU6FOcIrf0jQTr5+q4vabZNaDkd4tKgRqdTLTkIrSdzRrv"
                "VfOkuNmBkIEnUGZ1s03GdZLGX0pbf4qC+q4amEPvcWBeftTzarpixo2csuAU7tdl3Vv6+W5V2o7A9+NvrvxxYis5"
                "BM+Gm2pt3jJQaXaeX3ORfnIGDS0q0wzGCJ9xfvijBwqhdNFdQlOhYtiAfct8Aie4xq+b6MP8cpK0bj5dVgZ9owlK"
                "9gLtGbI25fqjZHF3yJmxb7PXQWXKoCCHVyT72LYBinzknIL6h7tWM2eAIBUKdwk4BOoZCXhPjrLjOP3IVHTJZHnI"
                "gBvNd7obb/Ho3+vXnOeOX1k0CVq5ozv1+G+ZYOgHi3yK0caMvGq+LzqesvhTuBbEi4wJpRuA0AIzeUURYNJbXIjJ"
                "FvQYNjeNIXLsEXjZJrohXXS/gQ55iSPzof5Vt/eWK8mFmZcVz73m3jTm3jtiGOFUrkLIg4Q7K6Xad5eqtG6PNAj8"
                "64K0sKAFdjekv459YFFFQw6lB4bDnGjaWji/NgFkbKBIbm98C77RmuniV62OCihXzv3h7MmKy0MUJrYPwzEMfv0b"
                "x7S0Ckj398horUpDsNF/m8z7tcBjXYuhNnia4dNJNpWg8JIOhgLiTJYw2QvosWmkmrjSn0GDTEIp+4HSyZEqL7e6"
                "B1xiMZJtw7hyb6iPNkux9KpXaS3SBuwz3WxV7qQUQRC0LlHwde9WxoLevm3WTn89kF0koMT+CObTKOaTvsRtIH0w"
                "PAtHrYG+qKW81kLOOBYatP/qfHENfVUhLppiis/jFz5KPdC/8TzrnHr78x4uwqETH+cFlGr4kb66ymg2aKndegqT"
                "JbidtfiKIPrq7Z79jxQbQ5YaAjl9kqnS0bIWg0S4oVdQbU56M1mwSXjcvDvXIGbToKc0RwnYCk73n+aC5wuFhdHQ"
                "lBIV36E1DxuBCmgbZrs0PbBF8wy6QwBdbV5kW2bb/vhvhrFcM28NaLspmRqhUchoq3/ippMmQgizcdYy+qNYgDXu"
                "qaLXLZJOlghh39AOesuk8doTPuvMjSNnhu7yzp0MOi0MCdjXJUghpX8DEHkZ4XSfSXYMqmIprfbUzQBe7D5EbvhN"
                "GNTsc0RwilakfRXGhziWXe/B/jeAg2v0iTIE/J2GeQiyI6XB5c1nt/Qry1CDVvoSLfqqN84CqL7eJoujCR2VGITs"
                "2yL15vqngnVLTp2/Ua3pW5NXJiJhnAkwP3qcaqIuoCTobZge6K/gKS2jKuB9fbdkudhb0a2gxIu9P37fRsm76BN2"
                "ix0N7P3IQ0avxxXuK1ZI/rAjWOtYgnTROvhnjiacbpCThvd29EJknFcQzAROUw0GPJOIRnUKSM580IK88YPd+e4V"
                "q2yavGwKmkFVbeDTzC6qRUuK7erBA+yQpq0JYuE1C8mmqxMDE0pwGO2AW0xgkqIEObozKTVBH6gbskqbqJhT+CiX"
                "7TVbvX1c+jI+N3GUaqgI+UaQOZxsqFY50qs8VfiCWsRIzpTDqgUn9bWaEloDoUGnRrD9iU425+iRYwltfXLHKjew"
                "Wi7l8pEdDeVFWSMmwQRbUBLq1qKEarahS7eiFGv6ReB02mC6Vm4VqR0R+CrU5bjT9lidAF8iD2P8aIJ002Bdw3BF"
                "wW6WAQIl9pWDqCThpVZW5SbHQI1T5uzTm0drmLzo6ed/IUGeo8BBXRBY13LCti2T0NEWWSDgEanUbg6fe+CC/cw7"
                "LmyZvQGiHkRu3jV7ynQvgnfRmjZ6Y7Aa9odK/Q/TC55oSvafjvNRUxaocXeDhZeUalVwjky4D/hPuIo4Vg5yCX/x"
                "c/9F+EBp1+M8lRNyXZPlzA//gp5FHeZWuKaonlz4A3banza5gJgSrhQljWH+PLWrvsP8pXF9cNrywG00+PMae5Qb"
                "QH13LVQcIQglDBmldaT1W8WJ/ZTgETXYsRj7vUuI3C4W8wKkC53zKVTt7AJDmQMCfepr8A5SYPtGkn380Li96p4L"
                "9L4dZ1sJGI6yd19pXw5XXUtQQIRBlOuAdiNWar6wSpEzcAG1Myjrj1i+825zVB05e3jw5FwA9CdZVzn3kPOVn7Cu"
                "wUr5kaiY01MBy2SKC50tEHRIh73jOSeUbQpgf78FqPrPalqddv38cumvDo5/D7tjiEnhXsf73LTOxNCzXfoq+0sO"
                "aMeZdYWjfe/t5FNj9vScRFoC37Uj0BB+6U6EEw49b5S7SdWcllqvrwve9fQnLUBQR4/o4h45prxMEfpAPCfg+GBq"
                "lo0qJNmMraRBfJui9X39YYnL34MtBpQGVREgnCi9StUgbULv1mGbKsSd8tL/pq1wsYwLcPInhejrR4fxNOnBb3JZ"
                "UpSgJuMjeQfkm8KavaoFliDr7/6x5koRRZ0Lf/MU+e3TBm66KeZc+5fAeJDY0qN4sTqCpEzjdfwmjh81oUZiVcwZ"
                "UIuzvlAH+rPk0kib6nuVQJv8ZxFUM3Oo7NARXXqgVEuXyStFE4pkkRegXXrQFFOCPVsRi6wCF2Gv2o8qMt5sC3fe"
                "C2ZYUeAU4elbLAVIEhibhtA2gBcdi/4kxMyVBnBrq1jqNOzoVUErRMnkj8Y7J9DCS4TZ/UvibnoT1DYBEJn8tTty"
                "KVhd49/dV1bqaWa791rOZkv6rZ+tVjOL42AvY+mq/2JX3yxtf26jtIjpdIaU5tPznIa+GMWF9pn/JtRLoHp8TANC"
                "5mYKFC6aQHyqDjtY08JuBBacyr+vkT6CXDYHwvkGD2u51a+/KazhF/PYTJveF+9lDTNaMdZaTJxfxy/2yGs4WkaW"
                "MgogQLuJzZD3z6f4X0MVzU3huZ3i6FaurCO0Xf4VDrOTUTiEaRmmICtaSVgWJKdFLw4SYfgQCJYMbXcskWYiwsf4"
                "SBYFtC1qKlBt0lZz80tJVQ2nnzIMAUO7xDsB9UedadJpB0SCrxI2euPciLTCJ4sLaENTnyGaKg1aHArC1ZXFqT6x"
                "nyQkwJXJABABV65p6Gn+r/n+YLmtgug82yLWOA4+zHZayhsfgVEcr4snhxazop3TNMwmav1vaO6puSIvCdi+EBGh"
                "V6FfaRq7Je3n0nnR81BWvLv6+c7qXDTQ+RnuUMVA3QFTIkfTxwaVIxaHylSnqeKRBkmDXcld1cYDrniadDh1h7hn"
                "uyNYuJCsmIB4e0HQqtHCrEQrswOpAy05SktNomPWCh2xp2gcSLJpGf13x88lPk1bhUhA6tVyX2Q9ABffne1SYm+e"
                "JDY7GeW4YAK4PCNIu0Tpx1XDNN2ldxs3nruxTuTwWMU8ei8TZ/FQPAUKlq2MDKZ0INvhkdJuOKmbbfpiv/CGYpAu"
                "PJ1zyWoBUt2gzpjF2k6epksleQsnqunxVMNrgRRvKD5/BO1Vrnm74BeI/YlEJQXe6x2uH1vxQiwyQeExp6REyl+y"
                "d0domZCWjsXa+D9Ei2bIK3FhSfvREk4FWR9hsLEyru9OhSHDfoLdLoV7m0akwyGgUzTx5N3OcqhL4SQidGo3e0sq"
                "5Le5T1dXxJa3jbDV7xqy/TU+VdbltlS9PR4Ln1/L8OFCseEMPSbNYq2aBPMvQUMu98D1az7QzN11gQpBb9T3GYAx"
                "2HCBbei2MWpK8eifRna0WNom/TLczYvmMtnJuKUNYYR3WAygfOz4seASuJ+W1CgUAjdC8j0JbtwMH0GviZlU3i28"
                "7GNSEvu1WOCBDx8MtOjnxZYnyUgozVJHElnvK9H7Qhpl93gqqm0StZLz4qLXKn/a+5bS8EaGngrII1hljA7qtvjp"
                "pIMO6Xzm0CEvJv1h79SoSPOScNl4n7KsI9gaiFw/qqyuDa6jm9UEs1tYamG13peCEMgt7ZpY2K2Fs5jC0B0CAHax"
                "e+pU2/GEebMsof3cmhzKm2DfhnuYIUD+YhHGQwMq/JFJdVwjbsteROLWAahbDpKZyOphmvUNoN+GiYZQBAAAHK6J"
                "jWJuUc8RPbsSUlHSvRYi4JW8fx1GucXUy16CYbkGnKBs+53EIkQD/jkLiKHrgIZRbP6UmpRpJf2svbCpouwUhfg0"
                "YPqAM39z5mpfnTdR+E5Cxhent872o/CXDpbLTN+zIWc0bk9yQHcQnJI+FvedLPlVWkDTGS0PMCy8/7OtxYrZvQ/A"
                "TshPcfTNLh//q7X3nT0p628J+JYtSMQ43L5PFyLqSggrXEhNhSTTJrTUT9ftbiEXYSVpW+50c/yBUpUyA5hoKo/e"
                "RNHqhkG1IcTCCpJ97WufLDneC0+kJnIGfb0znRIZ+G2jUynLyBSrdANgrv100Q9zZlh4nBnK+ZcmAGh5dkIt3Eoi"
                "f4pGQcoNuNhbxXsP9eGjwx9Hy0nbVZhgI1aqAE1eAEp3cDjQibdq1d+A97DsIPkCIm1yUw6UMFvupngCZ9ejCaUo"
                "IrobN1I30NQDym7iosc1lgHZV9nM3UeyMtmtD4FqmJMSfJlaw0ZTYcYCewrnacC/vzwnAMAxwh3nGTtJyiFLWzOs"
                "GXbrB2m8Lby7cUq3JjvorT76EPvEF3GM8idGWSbttg/v6NwSICZSjkcfwkmwjKxiWDapkozt6iFHpLzryszRZrQ5"
                "vrbiTXV9xloU1ej71UoCFIn7Vbab9EiKXpyykehcn4L49DIqh01UkRHK+1MCzg6xJ2jE0hrYS8YTpWXBiKMIVvZE"
                "WdrcCDBGFEGiByj9acHWCvjgMv9HaW3563AiUenudkHAqCZRSxGKbYGmzjaAUVAxuDraJAFpI3w3pZrx1Ym3L9FO"
                "ESBlXgDmr0DA9kVPc1sEQ6zX/GyOHwgPWSbpy91KptElPNgzXwP6Wmh2pEIwDheNCl4ZGtVHjRTxq68FlTo7V8j2"
                "66fkqMWzG9x82RcvyvZGWg0BQTBokth0aLZaWliB1vVMd9FTeBJMCrjwe5wbccRHNLZc7lwK3BbABI9y7XOJYHwc"
                "yu5ZytHb6A92nE14v/Wi14BLxMAsg3xOLQYCUsSslbcm2W/zFVkgB1sdsTYCH04zu0JlOoVyiZcKofljcw5OfwUI"
                "3Y/phQcw1ilhi0CWZHL7EEo4otGFL1j6f9LWEQgbf3S+RD341/tGWckmFPfqiYGMKO0CBeaY2R0zspPq1UNKpWgY"
                "LXXEA4ImQ/bVkBDZuYNB8p/MvE6Jp4hunoGLkU3PNEFUaJVkvlrsBdOgXFC43OY/gMRclwh6KxRxRbw/BSq4JK0v"
                "iuvDkWwGGTX8yGhy+VcxEE2i+P5CaD8KBu852rTUmU7U+5Pi+PqY2pzUd7juM1oppdG5ybgM4xEcD64vmajxi76b"
                "FBGt8o1vIlgBTGCP5FMXSwtD2cuUE+jbMjOvntVXqZEUXo8uB0+79yD910KYSHG7gH4h6B6nCVvVVwqxzsTuCoNu"
                "1Tv8PiBWNusJEle7URGK7ILmwDfsb45C5oJC6aCWWDL3FwqN3bcNi/Cvqa46NT8ZZKhPdaD8Xy5NnFclDhtXu17n"
                "g7sTS38y6lhv1/d1pC95TtrhMxmxS9cckBb1fnuyfD7tYCFUgDgJ+UMecbjWz0Y3ImTWZuMvjoPffSQbXnLDIHjG"
                "44/FMEJmSv+ZN1tQZBeUyDSLlhTYt9YtJfdia4RrL8TzcWr8u8Eult2bQAJVH1f032McqC8Q2erqQ8xAKkCjkK5n"
                "0Yx1eKKRdHHKfZrTCWWcxZzqAuObEAdETH08nHUzSJj0AFLdFZGZ4D9k6ejCDqSml2yHl324TXmTYRGWuGqU6hFc"
                "0462oycKIhF2sjjb6n5zKYM3qGbVYzaX5NkM5O51sISdVI+tqu+nW6TXbD/OhhG8JvfZ2rPC8wnpE66EzUtHtgWu"
                "RhHKhUsKUPldOyYkP+x50CPm6wWuAmQWJXKzlsxFprHTh+qVRNNSKJjpaTgiEM+54ZckBGutQaSjEBOtDzLJIsWI"
                "W133yQdal6/fnHrziiQO4FDsdfu82MMG2/Eq4ckguKlUlhSsraKIV5PBqVAlnXPZgsIFIruVs4DIDMdKdNdquhIy"
                "hHwVhdQcXOqtkTA9ZoxLl6f6ZvKdKtVK19uy3So0Vfe6XxbOEgjCQYJz6EUnBjmaR4nuGg+XFI8TPS2ML/zsn9ic"
                "kUztJHo0P+4pL0v0VRgJqGYry/6WqTFRoKvTRXZK7pMZBVIkYMQgONFjOqV3/tu2XlGpZ8tOAyVyo8mHip1k9Vc2"
                "GjfhV5YNHSV44qycWWUS6kje5U3DjTEHVgmg4tpBOQV+fM6nM0bvWnBrN/wJF4Skw16tuHe+NrRaBCM0xMXYAiGY"
                "+z/tZyEoZAPv6PV+VNvMtPxqVQG/FlFgOOCxzDhasE8VkvjhXZIJuAfyP+kR/Us+BeRbektBVstn3h+eTvCAXPCi"
                "C8u0rSWm42SxvBsRhAkbA0wIxhl4GZLY8i8b0G+bcqnq5CWiH8oEBXgNh5X87U5tWeZzpNFloCHZ1xulMsrh1GOQ"
                "Y3sPQpr6TlF6Zbxpm8VPUY1VvFXasow4HLh7Ar1qwYWMVZbpzPPab+KVzygzUoBZjWUbpAdr+TslJnRb5oCurAkg"
                "WVrljwggh2hL4Ffajooa8/KgcI3KxqfHFd3zvEbWaD4ndtx5k562zHHAqBs5LlYP0+voLkuiJOXsxke1ywIyfO6Z"
                "bHHcVoyBNqbCfgS9iImjPxzVJ+qJGH5TZIEASAjqlWKJZh0rCQkKWd2umhJ5aE1UsXnB59ieEkcpHCe7ixb1RBQO"
                "mBEK6zyqP5N+z3drV3q3ALyGs/WCXSyBXm2lh6AyDslscKT7FFt5aMOwIXkoWgEKMMnWlIIHznQUQ5o3qeeU6b5z"
                "Q+kGlCXFeqRBT6PAaCJdXGvKRXh7lOAoQrrYKWqwSW4V+nxKnBCOPO7WZWfNWrmhY0QRY42jgm/CHCNEWfu3QxdW"
                "5mQm/6cLqx6FUPIZ5X7VBA0Srw7AfQv5ahzAU5ksV416NXzM76su39LXs5XUW3QLvKTjZkCbqnNZt7MzdsoshHB1"
                "y/6mBtLDrJVPo9hfqskDmelZKeJLclWO3EXqYCdvjiYMKFLtaL0/GkDTKQpsDFdNczByOkn/YO4mTp7P+l6DLH3D"
                "WDIiQkizIu43jx/nJkLrDU2vpySv5Ayn3GLkgBGu6l6bJqz+Ymst8Q9QNiNt1c/vNrzUoocgnOO2FsfMQAH/091i"
                "38Qt2KjzpyZ/OAlSRm+i0huBftQwKfZrOJmxkh1MsarlI/VDMSQ2wPzemLD3WO420kSSVtxC9ONBPXRegpHgpZWf"
                "Lf53JDq6STomyW5kC1oTK1zvFfNsn4balj145QOpAavCuseTiTwPs0FfeeDwcfhcrsTpt3l3sBe/TIIGLG+5EiY2"
                "sMFFozL8RuC8lyHbcUGMoaeZYEXgjipy14xcoFjNooEI+IWcpqFtq199U9Etsxgh/egXkp7uJUmX5012y311b6Po"
                "BEfMPjlqeOzdxCwIk8ac+LC2N/EEnIgyUF/6AMzTEnaEqEK9jyb+qLhHfo9Inm09KbXhQCdxbHN7WlHCAWX7AIQC"
                "kDgVaPXvKjRIFeGJeIr+MGaWe3NdiLXa6Pdy5vkDbs8rWXnojy6hF85zn2I6BZmnJHot6+6thX97z/dLl0qCvzY1"
                "2VZo0AakAg76GMufSNUCxbMNam17nV0UX/mBR5BRUkhMyZ4WcgaSGM7p/djJW3cvZGhevbAFAGDy6CAWRKCUGW8U"
                "V9CIL1AWwG6Xpi2T9xPwEor8EiF9xsjZeNQ83abBmG9BEM1ceyDYkOb5WHrxzXzfnm7h4dtE6UgisoxMqRy8m70a"
                "UvQpdBiU6fU2/85jIe0OSTwLTUs4CKoHhoJOzMiJOKS3g7t5XdEzihplANmW1vaRoemaFU9VnZyMmP8RPti52ui5"
                "Hs5NT0DALcjzVFtkeqMQetPrdGCTMoMCSzoNAeU6Mkk6BHnxpOF8pG8Eax39TnO/02k6TtPQdVBNCc0IopCW0rvJ"
                "hy5FrVBse9fn5i3nrNDdviZxRR28i6b5/1mZxmSAOaiVwdCzwXf0luSfru1fcbaSkbjwom6f+fqHKkkl8i/B7F3s"
                "WWHbAkMNiHiM5i81doSF0o6zxv2Hn0CJfzt3SlgxPDqMQkDZcpgH7ZpMOUvCY9mklXJD6oUJH10IFla8Fi1tO9zg"
                "TMU/x/e2t0WVFbafHOG2Dtf4oSDjbre9C+w8DLSX8YzrYNQmbzrHg0K4YkCAJRpvFzygeH05BCDRA6p8kdVKp1Ij"
                "bKIqADcCD0Rxt4G+26UlMPFZ3ahGe9x03JoSeuOPPPl/H573mMYQN6UO641JyGbqev+a15SEv4JtRUHd2y3+ZJSQ"
                "yXFFteowaul+3i0fAhv9wMSJ9MGYpw60gxO24Omk+s3VKdLiq10ZKIqdZYjv8wfniOkGlu0JqaBZkT53tmU9mIW9"
                "CuNP+RnV472ir8+HRvKbeCfQ+crwRhaAYppiV2vmStIhWZFWliWI0Oer0GB77IW7encUtNCTnJKk8ltSGLMfnoL9"
                "Diu6yW7BoVOvRAPwzHLYEMEsFYsZ0w6wHdXhxuj0Jj2m+JEGxdVb/L8kkXfVaALzsDyy93xNSW5UMsGbyUv5XS4L"
                "iLWY1EIjxEinz8g/+eCq9HL+BvP9CcJns4D4euTHx1aAIhdox/fBMPdLbc48TL6iXa2CGoH3hfuwZu7XVcBCANih"
                "g1rmez4ZfgFp5XAV6fOVDqEKlwdaymU9HUMDahd7IicVtQNW0Tj+Cez5AeJXC44Ucy5czVkMU68/8Wm91EcP4Tr2"
                "rW2u7/pjAtmxCRCBU0nCUBnqOlsBSVBWoQ9yD+RsLCmm29zLh0zLZgKqSErlEoP6HcwiIoGLCCukCR21xKuEtBbQ"
                "moXX0VsiGAvqYA75hFOuSgGXIwVGMAbne3wt7qzHJCJQD+a7M9TIltYJstmpJv4CQneH8yW2xFRjo9AxtvJe+O58"
                "QCQ04kD9TvIEDZMVvImVyLCxvitnHn3jxBfSIzE4pu18dqEc3aekysgBtlTfszHSIE0kvR9wzNhknW08UfvwYvZ+"
                "Bn4H5OG72xoRBbqfUqXYU2j2SenJSagS5gGoaCstKpuIPSL9jYbdQ2iEpph1ptm58vYGomhoyPipNXXWAoj6ZBPn"
                "dHJV83mCO4iXqGxCy212/0OwGXGnOE+IQSCWldKGwkzzJD3Uqffbcfrm7d1W7JqZMMa2fZ+ySuYbV9VL0zkV2tvS"
                "tltiOGPTl8AzJ2jVgBVGw1lIMpX/boLANqZHkuGoG0VnQ6KfMtpVx7Srf7CGU3Ln+T3E4ZhxwLqYWJuLxNIoAbSd"
                "zS27tNK694eDY3ctme0Bz+T/jZXWXLnm0jOUTXFtkM+1UTVycZrLqmX5a8QuVNmxsB6+iAJI7ONDyZEWrWbmw8X2"
                "cDBTcCKGbOFhYQwCKDveuy0LpAr6hu+sf9vJnLAXqUJjXvQXN0Zisr89jHM55VjWwjW9aSlMR5GNtbNYxPmBAnwk"
                "prr9F/5Rit9WWhHyjB9Xohy41/URZV+57V3bie3bcpADp+ZwBdLrE38878mi9ZFvj5Fkr5CmXaNICkBLE1xDSE/Q"
                "K1wp0A4B+f1i14hxgOVX8PE0gVbZNUt/D0LxnOCAluYj1IF06K03o4nmPtc3oXxw3sodri3Xjz6CAGicjD24/oDX"
                "8rZYqj59P7H9OrHGJd8U9KeMgiB4PqXLJKHNy6EMaX9sdGRbdIhukqSnRWsajZYq0XAvJZFMWu/DWUUdOHUoIXEl"
                "ZiS6ol8t8D2MOUjw0UQI+BvDY924MJkr32Pgq6ocxo5TCsAVplvktxVvn92OYeqNrhqqq+AtS9KelWIo4a/bVIIM"
                "VUN2O8spZPVmTS6HnyHnOe5Cm+vX+qlPzEXThBQzDUl4Jc8QpD9aGjp4MiiMzQyhFzYdSHifYTpyhgx58f6wde4j"
                "/Ns+jPOfPBXBIYcFfMYclpZmiACWixKTr85PMEpEEavmHaB6CgEG1jGW8f6Q9nMsTvmzVuF+fJV4alBvV6Xl56wj"
                "kR/35q0M27W7afNGhKqsmsHGjHAeb+4bZ3EjP6TqEzjSrS+QOL6H0rM56S/BX8lwNlQkYiEUR1r3lsiK4YPduF9j"
                "TlonzFUa3fKA4N5aE8upGnEsDG7Wh8JJgvTeAEELZMw1UAFsQNbMOHsxrmqaH2Ds+iEeAiymkLHF3Dgs1/PoGQWS"
                "wpzEQS/ja1LOeyiUNFaN/DvJ5erZcaSyN7mxlmIGkmZfSHXCEe1MqPAfnX4HvZo6knvZBvqNmdRjfkTYnx2IZe3G"
                "SwYsOf5s6ZClisV8umTl4M4bN6HEFsbMUsmcpr67xthePeAOvaDfjFPRBQU5gR98SXUi7yjyYMoU/Cds0y6fV7VY"
                "zCGwqvrjT3dIHaYT5sav18xF8g9Ejd12MV7vl8lNKLV4yrABmG4R38aSl2GkOq8/RUc7yemSc6TKcYS1sNXtcuR4"
                "/yHMCI9qFlxV0+MK39NjZ/twwHTUmfp2ipZbDR78znHoVhqHlf7M0aymsiJSNr1lRrYIxN35YXHMgdfTNod0sitK"
                "iN+NjeTvi3ZImTidB/p3WKFVg9QJgJXZmiOpSGap0v4oMy78SEoIeWM4RQAIQHQhKcekwZRYQd+TwBO7dOfpMVuH"
                "O+5To2T2Uwtv6ffh8WeU/+5O84CyUI3tDGD+ty3rU/RgHaKdxVuX01iGOVi9QgFjDnryPvYHUkCH1eovdMkokXu9"
                "Hyyt1ORhb3X2IAv4upprWpgWRvaN8jb3fwvk46Xiy62GbnCwC78JdsX3/706E4OYHUyKh8uXBz8u36aQW8H8jPkQ"
                "wWtzHtfnjvcjDVVLxV8RrrS1ymUS3T85t9lVUKqxTQX2QVIuQWd1sJK4dSczuk3u/R+OWxsQ2ud9yLH04oucS4ba"
                "r3aPqw/ZWrywEuHJHKCOg9cj8ZWtUC44SViHwbF+tC1WtHq0rmd2d7ZP/BYCXD89RLKMfuQL9hY1R+SwQQy9gFFl"
                "mMUK3eQyuNscgUG67y6yEDGIhtycyZeK1DHHZAnTg9kekI9VbQV1sFUf8FITCOdf4rpCJ2b1ShcMqh8pQvlOsKNY"
                "T4IGs5sRJbM86qzanVvyf6JXrZYR5r2bIdYYXHvFLM37732E6Hj/onnJMi4NJ43Xt3fbKutp/4VJxNNPIyV2KLS0"
                "uKSHpL3csKgRf7Ndum1LVePrbLb6JMmgAhf1X0FfDcraeWDm8O2RGTeApYFh2HE4FmchYK8DARpTYMPRNHkXxzKR"
                "Sd0tUmFzpVuDzwE5lvZApDNYOy7DOdmYt5LNZgCXhZcd4ujXn/cKntULrBD3NNENlCQZay9/98Xkkfy0Z1xX5zVD"
                "FLjM6q6y4mpWYELd9gLljdsk44EieVfxbzEmoO3nUXo5iy0ofuAQCumtrXHgXdA0L23Vv1iq2v7RAj65YP0hAaxw"
                "8Sno6d3j/4jwxi40VPJ6XaLOexpp4HVB/bzKVWO6/Kw/zQE9FZWl45cEXHr+OAN49NrYoGlc4H6xM8BQdnCLjxPH"
                "Kl9qooGAKxf2r2vldT2zRy8w9zbvYZov+YIr721oToUrnCUe81BSQq6LIlr/sP6Peefqvhtjt6T8A/IEWWbSZlsX"
                "1giM++a84LihKHcvdat4e5z6KDHqGHtOmZNdhOXEKTJKfzjlTFDFQNalR0nL6zrwlaAVGRo6Gaf8u9u2mVAnmZkg"
                "CkmVmrQUvchivvUxz0k7ehvoKws96KAtdg1E3lhZeGediX/uRSU1CSN/8ARIkm/Y0wbGpSlFPIpx7wZ08TWrlUYc"
                "2k0V0S2R8JD6EmPa57z0APvEh+ZNERWxxo43YRX8IMmZK2spyEbGyzMfHEJm6rszf1sIrk2FgDiO/HVSLH1YVTTG"
                "nSSIf7DGQckxwbB0oWNEqcP4FB9Hd9YmRD99aqp35ZWraMF8+2XrFNEYBxMFRghTGsnvJphPPMhHG+r5z3YAiJ4s"
                "dZKiDiMttSQmv+W87OMYztga7PqFD81cHn3tbEMmt9iiUU+tnUYd3trl0XjxuvhlLoMerXW7IPtKabMQWU36pJm2"
                "vxiMfdEABtp3EVpWgqthF7INhvxlEoSPcMH2NwE7ofvQeWX0DZXYL0iZMPHTNBPsUQNYh3YGkaafbx51Tzc0SryP"
                "3KuNn+cuh53jgaXvxIBnpbmBi49wzwSNoEuDYIRlRwwzCQdQve5RW+S3ge33eF3+b+38333Qsr6CokU3d1COHdFy"
                "oQExGgFUI3q8yLkLL1WjQGbxDy+7lkU5MCwyeha2LB1xxhll6/3zP5HRYOPZvQ1gRtnSt+134MY97ffMwFRwLs8U"
                "VX3yChlSrz8as2M1TaZuf1wquVRVtgShneeR27+QUlx/OsgUBFNBSC5Vat0Jl7f+nJrtfVTQSyqbzrf65Q68mWqb"
                "3A5/J4iGguG5ZQHGRRj1jlXSQNkTsuFVPasBD6SboimSx285X6ZVNti8D4xaic6/rfq9D4Ou98Zsv5MhfefFnl/W"
                "Yrz9VLP7wHEeVFQHP7oL+8fpBShqKb8CiWLGw05rWmWQ4Ejpa+jdZvnhdbCmImdgBz4xCIqgi1JkK5zGFFrVlgD7"
                "hoX96Oi9velFBgP31un+x9osBDbkJC6nhcIvHvvxS/KlYTzBkOTKdsmP1OpNMwIHdHHvMLoJr2HoYc6pjYg2pChs"
                "86UUmaCOAHesC4zcmig20clE9bLWbjRXCt2yNNqPWOM176AC+mQGdFz8xdZ30620RHqmK4sRKJn6m3MXwojsNv8G"
                "Whm0pDoy+8o7BnBt2gl/J/oEtrc/hYn3elaejSb/"
            ),
        },
        "digests": [
            "f4f219d2beece2a9", "0121adf55ae98960", "345fce6202f2e554", "e78ad0481f30aed9",
            "ca07eb516e17ac63", "a0a261cf3db55293", "e197f2da23432b5a", "445fc39be03a8890",
            "124957ca6e2e796a", "261f5ab13b480b2f", "57e9b31fc4e9d2ff", "6d49512f288d7de9",
            "d010684b793fd5cf", "25589bb0abbeee8c", "dd2a1df8a5d36c10", "3b2b64cbb9fc65bd",
            "02cbabe5b9029696", "92a7306daaeaec02", "93bd3fa97ec697ae", "db7a515bbd624083",
            "0928cf752b1085ac", "d077180b4ef3d79c", "de46a536070bee5d", "29f44f755a284b60",
            "c10043d1bf9c80e0", "14cb2fe33507c637", "21fed3e2fbc8e731", "caa2ca54f9e48c1b",
            "4eb31e3b2b624ae9", "7d67a225bd10db37", "1b8b7d123d152ff7", "46526abb3704f910",
            "9e4e8a67ecc45281", "4ea705dbdfd2af7c", "e6f1b4901161cc4d", "17dc2776bdd299df",
            "a9a90f8986b2dc7b", "5093ee2586ae95b4", "4da41d97ebaac7fe", "3492fe6a7ad8882d",
            "19b240c2d96d8155",
        ],
    },
    {
        "kind": 'float64', "n": 60, "nops": 3000, "seed": 2,
        "draws": (
            "yU7+7abcViJMgpfui25nzSYZWB8vVB2yBsK6J+nKYepfWEEHzVaOt0o9GfBfluS928UsV3aXVdwV06THBAghFDk5"
            "xOWsFagqJxPvncvNxAvsYOaodA1407GN8CqaKsRoR4ojxtMYVrjHh8djCdZNZw07dhUrUebu/VlGe99K5ObetPVb"
            "7JFhBsBScvwz1xcAqRU18aRzlqH9d2XZgsTuu6dxU7JTUn6G/EteBTlGIcA86oz0T0UXBm0NJo4MKBzqPfpEUKLG"
            "p7AO5obNiReSPAXcx2X9Zq8CaQjOS3A6kL4TDE0ovvHlt25u1B2rMxU4zdghosiYKmNxdjLBlao2qJoT0glePKz5"
            "WmiJMGWEcxhm7GMRfgyBOtbwAioj9NY87WvqOeim+ypTmONEyhWtFwcnSpu+rXSY942Cu7WNWpW1n3MRtbIBowDt"
            "W7cdpGKXiAbRZgho5TkzhjF1BWkabgcAAkRxV41fbn+HG9LwBrZ64YQ1HrjmjnIxx+i55JlGMzzdYy+aVMW/jFeV"
            "twlSKmPrVwn1GyVd+HH1MLAziPBwW2vaUtcuhrZ+/nCYKrdHT5SGzWcnM5gZNy166plMZa5+kfXVIfbUucWdqwrp"
            "B5VxyQuMRClLnbspNGm3HAZhpA6ozNtOP/LqWc+1reT+meBmJMKz1ZkpxJiJLLjNVwr7Us1hTHUjVpCQNpxqzYjc"
            "tfdH0IeuyrnDacjMdNsTQAShbbt1If8up8t6xke5gT7vOLnslKirnSdtFcZDq85Wq100ERp4b9HRSmx7dCPVgInr"
            "aQ9rAm5F97beFtKquZVwsd6hFLCCEcPrrQ/CBq401SiHrMTGb7umOFEeducwEG3djwTuh8D/xJLX9WGWStmuUXj8"
            "NhUDPHwS2ezI0Teh+jbpXiNhFnXbhohjsWbg0+uvuJzj+rFexiPGDYNZ+Q21tZlqLk4Oh0nmL1o2Rly08hWZF3uP"
            "QzL6IRR7rUPcU0Qhbpdg62lp/37Gt/LviAIYpaT8HRcFxhvLDU4GMOZn5wfu/2/4Krx4CRR4IbxaJgBmuEC76cmS"
            "r7p5ltW+tJ/iULFqGocMq5wC9tzoAbxlAxLc7wLuM4xC85CAMVIlGbZIdFhXxpxdKCXUxo1rZijRoahV/zqY6zE8"
            "40rD1+2mtSoRZyH2ReyfofUvzVTvrG9EiCjlDTWKKycEPf45KLKEpE1F3cK1vpTPbigYL/1UVnldtMhDVNqKV6Jg"
            "kOTaSJFT5pf1sHbdZ0wibnEDeo8HUCJ28WM8SUOZKtKFOspL8ZdpL64CTwKGdDP3VN6dw1GigmqPNQrXJwm3uvYO"
            "skW9Uf64am3sA7c2BCJB/usF3GZkPBVy3uvAqYz6sR8FSrZQ1tLMYpVrXzfYLEd0nHMCxF41iLgXPIrhYN27SZR5"
            "3QNM14WKO20soaBnaIhMOyrED3vfyte7vgeKZRxJKA5k992w369yLuM7Ffr5KfPJT4OEapfCH4mnPI9hMIrgfsNj"
            "jkF1qMxMKolAQ16WbZW73YadEGVuNwdl5Dr58esyg9tfymToX+5HYOwFhFJWF67pZBbgVLh9qrmXBlQlZ/GjiI5J"
            "lyOLvq2pQgnB+Oop"
        ),
        "hashes": {
            2474407654802214601: (
                "GH2vGojXIThjCwxjZkb+ihKwWYg5leWw597omLvZIwpR0WUaXdeMvaxkzUnimKoNciDcbKXSQe2+mO/ia2H8xhtC"
                "juENE4Ic0KTcK66UiElyp4H7JbOiq278lYtjZcxCD/a2UBL0pk5OUHy9jBze20ISOALcgQr8TQRG4BJou4AYWayL"
                "HLpfrQn0ezEVI5hf1iJLoopdz7U00b/WCM274tdZOynsniQqWyhhmYrdnfAFb/AtD2st04VUmVfi5lZbRboGrWrV"
                "zVrCK+h/PPQ702c1YS5VAhu4ZvsD42d2Fze/xB8P6z0eTAHrTdn+0eX/I/I6P0uYyynm8+gP7RVnEDZp0wYj5ROY"
                "WU7E/flUGsXPNBgYVlkhjMadKCcyrpr7zFNqzD+mIkU2rMk+TKJvXg4MfKarns8h6eHG1swgo0Y8f0re7bYJqSFN"
                "p/KasgiUNiXgNpVoQPtgEKF7tJoI8bphLYjNa3StDjMm0ibo/KRDlfQ0uICDkvH2gj/I5onC5KnjQSG1FC4toNQK"
                "pWZr2TG7uJCzMtq7OcN+W1rwG1ipRDsZUVAEuuavDWV0Hqd1eCbyoQ/WjM/WbSwkjILp0gXKzJ4ap076bDaURRzK"
                "0OL3f5SGa5V+cLJy7hU/kR6q"
            ),
            6991307045608892859: (
                "5rEXWQ1QnJZ6OhlruxPgIpDA2i23kDH7AL08IuDHkN7ry6t5DWXgvEE/ui/6MOcACkKvboIUOt4/o4ypfyTdIeJe"
                "TNt7ZFejMwKyZT/DdvRbEC8J/Ljd/czexzQIKzq6Lx3RIRfwyMxXEay06XLkzxLQCY+Oh2fsZXmH5qtmOXpoFQCi"
                "yO4eM18ghBQ6vek1k8AynHpxwmNSVLbHaPtHHZh0STU68NNZd8zGVJXZJHnbl+d/dhmX0b48ecnvN0ZMbWAh9qyr"
                "yCK+xrLXLixRO0XF4qA1a+xGEbveTLEJ3SLsDdZWr+BU+pGBTq67MKv18l71SCtX8GpB36K02XlOixQkIiZfzbH5"
                "YE/AlzQkPoP4T0/O4+AASJvkp1fm5vX/UWdVikjxOyAQbovgnEzfnA9HoF7C/6VOpRVi3y/+O7EshRL/NREd1IP6"
                "ObpgQetHTorNurVZOMLVijZc2SrSyhvU8Cz4wt0SRW5QMD0r7OEL5qPS4S1iSzQkfQqoTlxbblTEHgGmp1/0aVPM"
                "hHD3Uj5ThE9s36jdYVvxiSiell6r0f5pZziptWWFWUOmhNLh0W2gfzrH8B33jtPvApGLfeheIzt9lE5e6EFi05nN"
                "+w+PHS2f7m+42j14iWsYpXqt"
            ),
            18428879131548573037: (
                "tGFlMnIPpVj7ppXbZmir+T5hd04g/jH77DXxowrVP5gjxblu+X4V4t3Vk6ntDuCSceG5yvl4FOO0VLWTklsDtV2n"
                "LyMdAB2sVAO6+heyTtLqWjU6hGCjDXGvA1HFOrQ8XrY6QIGwh3TngT8TC7zYZCFFLHiGNLA7NMW8VxSTpd9/ogWy"
                "orpe4LSBGgENKEv1aytsluIdKEZVG3ToqJLGvG5oKpedsj8pOzSyKTsSqosiZLAYfXM/Id/dkl3DR+FtAI1lsBHQ"
                "2on7cdKJj82nadagJjEdMHbgi9j5LzQkmZzm8aXNhmUx1ysPIPP1r4WTBKbww4yHJF7N5N4rtTwUfLFnyzJZEh+5"
                "UoHcICd1f1IcS3MB0z9IxbWrb2HXK/lxBfHbOSjFuOkXyAhaNdN6SbLINQjhVH68w+9Y5mnFbUcQhIK7/sFP+kzX"
                "cf2NNqMeDzS/gExmAghzl+tMt3qXBkkHp8iC9LtWLBQmW3X8WMs1uKzfKe+XEk2xCTpokbFG8dPPd7QBX7heMGg8"
                "rfeYMK2FtO5iB8XTMFJwinLPrJUP6mWbo8fQhCTvHvyNoIodbnatkaI2ywGhWrjyDttgHliXAlK6eevX6vFCg5b+"
                "BOW558rlPcUMOM1mAVqMz/4r"
            ),
            6042779212397683194: (
                "ZQ2Cd53Bx6mnLIQsKzjD9VqSJS6c5vqq7da/MuAf+xIiHKFGz7aiF5ZSYF6KehMcCFiG9LHrh7iWMrD+EV1AwTvt"
                "9cPNyt7Kus1AGIrGOlmMoHWke0dKVv8M/Pmgzl1VSZRCHD/GSgmkblUk/ql3474phOi4FQgclJ3cD1KMRryvZTEh"
                "jE+IHmaepiGF97IW6a7H/j81Hd4vjwDyKhXQrAFJWRFc4RoceVrTy9E3lguBqJlFgR1KBXnLDErUKGwEMb1voSlp"
                "Dw6R3ISEA/hEDG8Z34G9B3Idhg/ghEZP9iT+5lgQNJ4vJi5pL/iZkPOIK3+nYww1z3Q+7EVpnaaLP/jlqS03ZLIn"
                "EEzqM/xfZt//bjoPVQae9KtLvjbQvzU9Y0LzAhgQjc44cgAxO+j0yOdOb9tTaBFrosT34lt+kjbPHwBaZpTs5GZo"
                "+NRJJhTacZmZNMmfUDuBgvSXq1vHh7ImRcYcsdMJEi4W0nFSnjnWytUB08/Cw3kx7/yY3qRDRub1jnBdZBoX/w7d"
                "qEn95gKWnWuDTaH3R6EZDGfsYabz72H4rvMeN7LPXqBJn0vKAguMlMQeUfzCumvs+8sEkNTLkMUJufYIY7kMOyeQ"
                "3j6+ONK3eP8pXFC3IYDL94m/"
            ),
            13558922788071147495: (
                "ukTqGhhgBmyO94niGnXSGoLvWjJcVivz0gDTESk/VtSrUAilcaiQpX5wJivsHH2Ybf9iwuOhKmvJQgzZTKYL4Rhl"
                "Cv/jnX4scYJWRyYjrClvMvEKm2kOfNm7HlGyILUqL57IPtpXrQY6z4nlsvwfm53++XVO6xk89PD7AHqg8+/Ojsz6"
                "PQFWLmnbVU09d0GOUerCsiwgzb/UMwFf6HhhG03GzNUIVbkSnJR4q/QJMHzvTO0asUmNNg95K4q1fs940bDg8Um3"
                "xqlFkU1mVR9k28JFwOkwejrOBbMs0WrVd1hdYhNwx8YH+5ikB8yXpBsBryDisKlz5m562CRtxQEbK0W7LdbgEAly"
                "ZSxHM3I0yFa0UP5JJKGGZzfBYLfVnx5fSnn4cnQrVK5R28IqjGtohQpqAHQ/SvwBSyvVNzl+Aq9kM6gRXj2iIjXr"
                "xCgtqIQ0XW7y9Cb1My2VP/xCEvcOZlsr5409aqrzSLtBJYWwK4np2ZjsYf4TgbqVxrxsilEAfXFjTwIeR3D9DXmH"
                "vlJxXHlpuEAKHNKLRb/2Mr9qvnWbx9idPVrZn3YxFzzhWbMdyl7KzL9NpmejHnOJslZ3kH+Xy4jHANqrbWxrC83S"
                "X1XQkFoJYCK149wb3pBI8E/U"
            ),
            12837574501927757611: (
                "diQLcW1foXp6rdVK6L3DCDNbi+isvYF0DSeQ7fXH/NRsI9xdCOBX9I4pv8Nz1eEwXIQ6k2TwrMgAyhye27tj62IB"
                "I8ZEqHMSw9YfBq3DIUHJFsg70BStd0G9VadgXzkJaQWPMkDca5hpHn+Wejo18YB1inCvuELw1RFYQyzhMGrMTvFU"
                "vAZWifc0aU3pjA7OA2KHg5oIGAS+Htp9JXByhkGCovbnCULVwuDYYPBp6r8AEndRbhq8LP2dAtZR2nOdhuw3BzWc"
                "gCvJhNvC0Km+gLklFxARqx7gfsgCTFKCwKRiVIhxe7XgfIwi/zwoO7fBRDAi4dciU4nwDPfaBtVe29qQyh3KTQ9F"
                "jbp8ki/SJwL1q+72JD8RG1WgpRi8jz70h4yEV8g+0hM3aE5oJAp4TI8PywW+t+qHU6oOR37nEDjE6+ljQdlM8Q1r"
                "SzuugkJ/pnSjNQE8dWcmZ0cbdjzY9VVrTICprAqHusobWjGa5VLEuOm9J9QHd6PTLFytMcvTb3UF0+KpcKf2rtcS"
                "wEPwrJNcoAmhs0WO5ZNc94QjMklCF42lrhvdKP1oh8RUQrUv9iSYP1/8fjX1Di5yffrfq68n4QDCoudbVBVkjczc"
                "DRrRFpotr9xbphg5HHd95ZYj"
            ),
        },
        "digests": [
            "17996b863d33a499", "c1ee296c0a48fe09", "3631aae64c8452a2", "c915564fd2ff3c14",
            "155432a6d87b8118", "3d58fc358d8f78b8", "fa00c774b169e0f3", "9a1f4066efdc9574",
            "6e44281a5feae8ab", "910e7197c44e968f", "80f5695968b9c374", "82a91a3b28bc1906",
            "4c6bb9c34d14b051", "daf61cdec8b5ca3c", "ac019ed7d6405f7f", "2cc0ad7cb2041d26",
            "25efdb29173e4bae", "0b1d30f3517f36eb", "40b88743332de42f", "c81e490188bb1d7b",
            "bd89f148dfd8b687", "f66dc6efd7783296", "c81ffadbf122d48a", "8176ecea2fd1ee1a",
            "2fd6da4d7ce70db5", "6bfe2eb6f6cc52ac", "e93696c4d3070657", "7702fc45e6164463",
            "e2c90901df246828", "f84d86cbaaef7a30", "79d035a52a5013cb",
        ],
    },
    {
        "kind": 'string', "n": 400, "nops": 3000, "seed": 3,
        "draws": (
            "j5N5yUULPXDH/hHLlfIQshMoG6P/P/RDWwWlEowMduyxZ9nlRul9NUHag/JValbrPDWBNQNyqVWm5NdvGcn6129g"
            "IqgDfe3kqh+AfR2AIy8HQ4mfH3TwiySa+Upe0DrL+YQgl6N5TUwMzFJT7jWEh3JmuGitcMH5CQyBid5UfaOsxm0M"
            "QCSR6ai0tq+/4lzuIcXvuljiegBeHWyj5jblMdwrg0/rCCkEx9F/iD1X+uOFVCORu0OrtQiepwuF42nSO/bvrcJ7"
            "ttl5GFrt8C2BKiZnFM/XVV8qCNCVkDA2tkyp5zn4c+ssC1KABKVeOWyNWa9s1eFcMf7GnFPdi664LAv1GYC7Glaq"
            "o01x6xEEIphiTAi2wKl9J/kxNa1kLd+ZOGNArjegzAmxqu7uaDOJINmpph0zfFKN4aFT0U5t+7JI/HA11+tCObSC"
            "By1o4Iq3oP6v7jVHaxA16uw3wwkf4iaePyRrZQSN5zlNqd5goU0TYaiMsDJhVS+iU1Z9puehBWMbKGI1cn+Qwx4d"
            "SqNAdIOTnF+wEkTCDiwBmGGqaU5DhLCt4Be2BslKVKMkxy7BFnG4lT4beQQOSDk5EA243nZAZWB4wmNfNCd5kXH9"
            "vkBeJljCR6Nl94Q+WJHEJ4vzfz9KRcrBunm/cnozmMLT1vqx+9k/rOpfTJXcV3zb5DFiLhzRXmfSpVDPQbE9inKl"
            "wJd0AuYbJOnit/safygeazIUljDkApmNf+KXbMzEofUdw9oM0iK/6/hzgRClPcehYoQ43APvcPyB8UABy8/bagk8"
            "OU/mZWURQkhUTqzj/EiopFm8InV/co6N1hvPDLLLEqXe8VhMryJoqdGI/LN3F/O6HOgOII6Mwtl0SJbxRTUftI7v"
            "pModOe2b+4sirTrrBwQUvsgd4gxt2UPwy01caTDFsbYVHElGhiDipOX+OKK/blCbUUlwkdMmhxa779dpenzVvKH/"
            "25bzowI7dftzAjj1eVXYTHgDmxzBalAh8ODmGJWWF4wW49W37GNN7C1/ug0XrR15dRODXtYbs4x3lR8SXUtpWmcq"
            "T1mtCoSMoPdmCPbaXvH9P1kiUg/SdCW06ct9WavJVseGRh5b/d224Rj9jME60V7NoVmKKoM/dGhPxv+jNngtytME"
            "iE4G7gGa9GjTZF/V5WOsrsCDRkm33tnYOdC2vNJN8zdB9pQpFhECACYv0DRwvGACIB6yT6Dfutmx3KJQqLbICO1u"
            "GbkVKsMr7iABXWUrMIHkI8rGIpC1XxuXQDytlePAsvWSV+495rDyxwqkUJSgpyKh6PF70/Wcem8+rgTXpmuKfVzl"
            "Pev+ux7VJJs7jEzxmrHNnqmAm9XlWBAftDgIOcplxdHJxu5yR2PUj/zAMygcQdeA78eMHUHDh9iTXZQdQtUIuGbW"
            "mpKPiTxUdtmUKrnNz8O0yQomL4szSQ+VoJMTQsak5fq5ggmZVm+e0aIT8u9nIKUvgb7UUT2y3mv5BXSNooBv0bUv"
            "VPcawl+GiW6nbfbf7UrJM02HURb3goprwRhpFN9ErNUyCQkXibcC0zNAMyq8jc8wQVSSUAEhTYC0AM1zcdGr4Uya"
            "X22hIdCY1ZEU9Uq96B19Exa7ODkm6mbLStjeu3jU5WrS1Pin"
        ),
        "hashes": {
            8087632900188115855: (
                "Yftl/q9jWJVdlf7R77M6FZXMx0HotmNGBcTODJSkQ6BABg8nwKWKOZZVae9crKyPfarJwZEhhkYS3skrRuaVOLgH"
                "S2FdYii5PY1/RJIzc8bWgV36907jyjp6XUsd5NW5gbfSW/QFomAtu884gDZIbFTLdJqmjgzeMFuVtN6qD/sNyetj"
                "0KJRjkB/KeFQzUh1eLqk3R3Vg+WXiyRoEp5SP8tbdLHw1i3HJwAZL6YF4hfV3xgFdXf1/SIeFq0OeBtBc0mfTkHp"
                "v5+B2xDC7/PwECshQTDMyXugmeH4JjRgwOHoHuq+BFhARGLvftzUejf6X7H4Ma3X06Xb3NgbzqPrrTLRlOBg/tcB"
                "mnQwXugXXWWzUtMDJNuR1GVp0Kl1asbs7bqAQBKH41iAyiHe4mqfNHuENqKImqS7qfUoc87O9KXxTvum8JjTE6/7"
                "M9uaFpAZCTnHZKWtwCD+xPwERIIIMxIn1/TRaSC37debUPBNRzyVRnKbbyZ3ynotmByZuIaZmxgQBaQRwHToQFxZ"
                "HmHIziwce+MYbtKEm+d9Ct5uvVu9iF5+QXF1lrQ6jw2Zx1X38v9+MO65E/zW6VdzzTozqlXj7rGTE0ZJcgp1sJFQ"
                "hkW91nnz17PpEc0aZewVO9VsMmskpOdy+rJtI6ta6bvQR+B5jWA/AGx8bGjaSoskTyP/zq2mXuVQpN8mSyIHXNYl"
                "/wKQCc15+o2f07naEI5+EXiXrYwfTDmpqxExmGYWVejqjLpEYm2r+onsiVEoYdidPvN+5sYcBk0oVFwhx7v786Iz"
                "CYuvoRKNIBJzf3bbhaMNRHIe10kHgyk89aOCh8gg9ZiOK6ZrnOHP/iY/Nd6jdPLOYjduadiBTxS9Oc6np0QPDNat"
                "DVvV3VZURAjqgHeN6Xo0BoDrUSz0klN+lXV1/BslG3xl7B82MELKLdfxVA0peAVDFg7PgAJbNe7E785wAuxpfS5R"
                "hCEqGDx8YVQeR4G8p2//bipDRdp0ThCw+uT0KX2cD22WyKQOreNk5JXeWputMj8FpcDjm1Nr/n4iXZ7GV8OkGSLk"
                "hc3Bd8CcStbc+alSsyP9SbNdf1XzLabp0dW1QEVN5TRjCSK7Mq6pBeijjUyrMMZTPa5Ye6opKM8fzj6XZHLeWqu9"
                "juWw5MzBKa3xF94Wjx9XMUTIOb4GUpRJKJ4y2qA8v2MDMr4mZ8P2pyOzyGnl3SbuRXEiHWwb1J0Odh4CGv8aD6L3"
                "8XtynfJBUdlLOfT7RekL5gg/+z1XL+8aFCEwyEuoSRcXfO2myXrVXhzl08px62o7/m+RcCCRmpSH3+j+g4aG81dV"
                "xNA/K76ChCZTGh+3D/NP7ZcPxmsVohg2SJ9z8tmDCrwdhI3AfNnL/iUkADAzfKx7hbLp/iXcsv3YU6009VLYLMIF"
                "9rkEuT80Z7Ai747bUS9PC6GvoZWxNc4KVfPuvAWeqZGRFW++ZD9T+3IihVS22Awk+E3jefFxI0f5DWnguZJ2aZnG"
                "6TLaMjdU7MNkyhtp2MLL1sMOmdxVX08kemV4rhfzMS3m6NBa8CHwGT/em2+g8AjWCeDti9B5QYpoK39y3Yn+AEDy"
                "9g3j0iURG0og/7mTziZ7aqnCE26ib2ziwZJjSjJrWeU4r7ii/V1v0pPrfaEl6vhVcol6WLLpZy6dg21GrpkoC33V"
                "UG+0Xq//gM9k8EtGF5cWgFVeAB7fwGry3i1BI5ElwCq8mn7DARMLjePfN+Oc/8Kgwnks4PREmqu5qvCJOv3Uhkva"
                "4WIaf4ngvwa7DBPIgkn3PUahKOSzEgPkWSIK0vUgmhQrf5ysufoY7SQPaKW9WYSlgt4pyVL2MIeEvjZH0asx78+7"
                "uV8lXv2i77cSWXJ7NB/F99d3g/zUZ6q1EiVSDHrDtL3xa0WLmg0mkhdXoiP/k+eLtHiDs2l8QQr5k9yXfp8grnwh"
                "Bu1okfjXvJoX9jNM2XKW1+qGML8S9BZlg9/kLQm9RKcMhPQ8B5S8fEOG9wPlIhUQJ4ApJZoRaDk9D5nRoYL8pI5e"
                "JYMJ6vhiJ3R/BREUU21VdzjWUp8+hvGKX2TfvkbpFL+4QqsAFZhOqYYPwq0tXkQqfXU2TkvcCXKxjmhmzVRfvnqu"
                "XrqPgnD1QwAGInPJJUhIHhIyBDOEDKbNWO+2qrRo24y29ILyCv/snPZc4Nf8oF64vGno6aRVKCq/5N+znRnOJFLU"
                "vmwbOwMtDDxl/BvickwUnE+DX98UvmMOF+qcx1koHURjgKuZFb/+EMeYRDwaQFB1z8faoTQ8KbPsd/KKcqP1vEyA"
                "cAgpbaRV1ylHLPOrTbjBwoxCz7GGyPzRg9rz+d7RIdzCIWFEG5k2BMVcHRtcHGtrbPvRDvzewdfx4eg2vKhaelLu"
                "ZBNwawpWHEOGtuTM9GwCg1rgSwbgAmlfDqX6QL3xaYjLUuIhO0m1JRHDJtScOXXLqIhWSvSYJZHhZEEzlNzL+8aV"
                "H6Wp6CzxyIlY0sZ6jb/Ti8N66WE+hrDMi27XKWI2ewEytc1bdZI9XJ0GATXqOw2Iw9W4EBzXBJmj+hFOs+irA9Qg"
                "xcGBfdhE0nvN0Z1bGSdOqLz6z/62yUX7OteNl3qTmx9Yn3NTdcFVic3X3an2HDXzQZ8TUUXz+frJX7VYYd0sHrLq"
                "NWC/VXA7M9JIrCkOSwcoNNCd7bmOIGKGOWIBhBWqzABql6HMobTDKeNlEEWYmmE1p4ZtN5Wo1lskTJmvRVVg6CaZ"
                "2tsJPP+7SWqYrkE9iCSjAcwPj7x6cldcEKpCcaiynduWAMUpigU7mbzsqbxKsgOUEQHCt8L06G/5qcqLwTMqlkEt"
                "LYCNAeDWyQEaDPLqsK8cLvicxmG2YBa9yYdtRI5YQqMYyIMCGrhJ+YPQ7uNK28CJD8bEyJQoca0uPYw1gAyzpvCd"
                "NQNndzSlC/pBUmy5658sWFgdH0XlJs8UiDAmUj8fQPFq6MbCg8BrvjH/xO6gKafVm43QeYElrIZWgh1xSkcMAb1+"
                "ZtHuNyGIRyn+c1l+3NiRosqPiUYgZjFWO3LMWTe9euuYHvq0grMXdBcTGKwNIDqBV+jIvAGoUwSMC5fUI808g+5t"
                "vU0c4syJ0vf1pEgJg0MpQekXqJlDLUSf7JmSsVMOXPpIxxkEdKcW8XwaE4IYie0ou5Ch1VGFogZbtHCG5XJPwXc9"
                "vmXaaKLtV35iKZwAYbUZuId1fCubhR6L/PFgIyUR+/k8RWstPOvO7CYilVVJ7z9T4FWCZOEYBLKHwBHSZyPgcWRb"
                "quXv+lxSNGkfr+rRjKUb5icTH92mHDHtUKY4waTaBESqpRtzreWt9gaCn6uYZZAd/oFymZ/nFQa9exZyF5y45it/"
                "rGpB+znz5UU302iVVMR7wNBJCm/IHa0cFTzlxddC2kq+Zz2sEs2sHwlG5VJ8HiDSFiWhxlG0jVOZuQHkbmOPkgKJ"
                "ovMV9gIDNxo9PBbmXlAZgddp1ncXBB1+xq1kEUjUbV7hWKW5WZviYKZqPG96TWqP/Udm+tuxln8PfmZ6wK5/kwky"
                "fITu7Dp6w8RhWJV5AnPf8VTnibwCITNkQgztQ5EkGT5fawEY5KPlPpAE5dvOzCF3pwD7m0zZ6v5tOe1ws3GzQv8D"
                "wnMagvUBleYnPHShyQgiEr2JTLfFJko5ON/+tbK3gu5Z1U9OuyYFxGXAXvupnx8tgnI2hW5Mc6uf8lLGo5Nvfqiw"
                "qYJZkizdQP9228QAitHuAzIXyehqimbXaZ8PebrfXgj/ueUJt8TvyWR8OMygUUKY4RWSAPr9fjEEPLaPArfH4URM"
                "yL9Ryg1o7gVMnOXdycbBK91jqQ6iX6Zu6xLVKEjDrMpqMQ5EtjyDufdPgqHmns3VOSX5lkhy5KjqJ2Tc45WVxECa"
                "iP2VehxVnnhP3HKklr+lNATi0az0g38iEHsp7SuwE6K/sA426od7gCUcUbAUCFtrFeNypzmHS3LEgsFrxdag+nz8"
                "4e8rMzOy+CR0UJqJ1iNktcli0eV1m+chBWGilLTbZzsfzonGsJc7Ne6qK3LWGXkWmCbVHjf375GLzodMHvijmwr/"
                "tPv5Trgw0OuMWa/sjr0Q5xoQWhAojSF7+5t6QpzMVYi4VQGXMYRB/19pxLOadkv08HY9A81clpxavn3QCRalckun"
                "A8pHtVEhuv+jc42Nv9dx/2KvyL7qXFxCM9WTrsXw9zpIr33aKtxPOZ+FWEtApisE6OEqT9zC/7/qTQW3zrxlKVPY"
                "fTbWeSfcfBYgnmMZUv0KcaqOJnULzfF1/YjcM0Zp2qQ="
            ),
        },
        "digests": [
            "a42e419221961200", "76daf0cbbf9c4852", "ef5b23d36e9c990f", "9722f88ac7071f23",
            "05fea1b812f4ee1d", "927909c7e4d16643", "935c629317c93074", "7e21dd4a75a2e27b",
            "a9f6e10ff738b11b", "bb4967f1957e5842", "13e4157fa78f704f", "5191bc1857fa042f",
            "bd4fc793f8ef8616", "93a46923558f3b73", "750b647edcb94e6f", "dd074ab02939f3d4",
            "d59422c5bc9db58c", "e87ed8889ac573ca", "8ea71f7132818e17", "5419838a22b88c25",
            "c97f04573fc1d3da", "3c23c5dcfd6a8015", "afca703ce885f03d", "bb24524acf52567c",
            "4da712c229a52939", "2ad02ae36ad9f0f8", "fb3d55e19adb9d7d", "b4161c5945be23dc",
            "4e179c6711b50ce7", "5d9c0b1531bede00", "738c8b0943d6ef2e", "8dc7380204a05572",
            "624176d1732109cf", "0952a1d9ecc58a32", "5bef934a9b1f928e", "788c232044fe6d4b",
            "0048cf62409b4d37", "5337a18c0d3ebcf2", "5d9ea6b7e3211a6d", "857cf16456934bf0",
            "14a23e4701b4f91c", "a32a301833ce5b64", "028fc999ecc018bb", "7513d60d3bbfcf22",
            "4ebdd83cc02d5e33", "553963c0a0856492", "dc3a2d45061dc276", "405d03c5fd6232ce",
            "7ef79b9752002713", "d902c0eba7ccde25", "552536109865dc8a", "6d484f11a13fd9cc",
        ],
    },
]


def unpack(b64: str) -> tuple[int, ...]:
    raw = base64.b64decode(b64)
    return struct.unpack(f"<{len(raw) // 8}Q", raw)


@pytest.mark.parametrize("run", GOLDEN, ids=[r["kind"] for r in GOLDEN])
def test_engine_reproduces_the_go_runtime_state_sequence(run: dict[str, Any]) -> None:
    keys, ops = golden_ops(run["kind"], run["n"], run["nops"], run["seed"])
    index = {k: i for i, k in enumerate(keys)}
    hashes = {seed: unpack(v) for seed, v in run["hashes"].items()}
    draws = deque(unpack(run["draws"]))

    def hasher(key: Any, seed: int) -> int:
        return hashes[seed][index[key]]

    def rand() -> int:
        assert draws, "the engine drew rand() where Go did not"
        return draws.popleft()

    m: SwissMap | None = None
    it = None
    running = hashlib.sha256()
    digests = []
    for n, op in enumerate(ops):
        out = None
        if op[0] == "new":
            m = SwissMap(op[1], hasher=hasher, rand=rand, key_kind=KEY_KIND[run["kind"]])
        assert m is not None
        if op[0] == "set":
            m.assign(op[1], op[2])
        elif op[0] == "del":
            m.delete(op[1])
        elif op[0] == "get":
            out = m.lookup(op[1])
        elif op[0] == "clear":
            m.clear()
        elif op[0] == "iter":
            it = m.iterator()
            out = it.next()
        elif op[0] == "next" and it is not None:
            out = it.next()
            if out is None:
                it = None
        snap = m.snapshot()
        # the digests predate the snapshot's common part ("go", "entries"; the rest
        # was already there)
        del snap["go"], snap["entries"]
        running.update(json.dumps([snap, out], sort_keys=True).encode())
        if n % CHECKPOINT == CHECKPOINT - 1 or n == len(ops) - 1:
            digests.append(running.hexdigest()[:16])
            want = run["digests"][len(digests) - 1]
            assert digests[-1] == want, f"state differs from Go's in ops {n - CHECKPOINT + 1}..{n}"
        if n % 500 == 0:
            m.check_invariants()
    assert not draws, "Go drew rand() where the engine did not"
    assert digests == run["digests"]
