"""Every benchmark, in one go (`make bench`): the data, routing, intake, reading, the ledger."""

import argparse
import subprocess
import sys

from bench import baseline_bench, console_bench, generate, intake_bench, locate_bench, read_bench
from bench.common import BENCH_DIR, DEFAULT_DATABASE_URL


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    args = parser.parse_args(argv)
    url = ["--database-url", args.database_url]
    print("== data")
    generate.main([*url, "--reports", str(args.reports), "--seed", str(args.seed), "--reuse"])
    runs = ["--runs", "2" if args.quick else "5"]
    locate_bench.main([*url, *runs, "--points", "500" if args.quick else "2000"])
    runs = ["--runs", "1" if args.quick else "3"]
    duration = ["--duration", "4" if args.quick else "8"]
    baseline_bench.main([*url, *runs, *duration])
    intake_bench.main([*url, *runs, *duration])
    read_bench.main([*url, *runs, "--requests", "50" if args.quick else "200"])
    console_bench.main([*url, *runs, "--requests", "20" if args.quick else "60"])
    rows = [str(min(10_000, args.reports)), str(min(100_000, args.reports))]
    print("\n== ledger export: time and peak memory (bench/ledger_memory.py)")
    ledger = [
        sys.executable, str(BENCH_DIR / "ledger_memory.py"), "--existing", args.database_url,
        "--username", "bench-admin", "--rows", *rows, "--format", "csv", "xlsx",
    ]  # fmt: skip
    subprocess.run(ledger, check=True)
    print("\nFigures are medians of runs; JSON copies in bench/out/.")


if __name__ == "__main__":
    main()
