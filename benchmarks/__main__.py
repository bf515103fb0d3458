"""Run every benchmark: ``python -m benchmarks``.

Each prints side-by-side ratios measured in one run; none of them fails.
"""

from __future__ import annotations

from benchmarks import (
    bench_core,
    bench_dispatch,
    bench_e2e,
    bench_instructions,
    bench_memory,
    bench_starlette,
    bench_urls,
)

if __name__ == "__main__":
    print("# core")
    bench_core.main()
    print("# cross-app URLs")
    bench_urls.main()
    print("# FastAPI members")
    bench_starlette.main([])
    print("# the memory of links")
    bench_memory.main()
    print("# route-level dispatch")
    bench_dispatch.main()
    print("# end to end")
    bench_e2e.main([])
    print("# end to end, counted (valgrind)")
    bench_instructions.main([])
