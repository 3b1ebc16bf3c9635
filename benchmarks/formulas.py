"""CPU cost of hostile formulas, from typed text to a usable custom surface.

    python -m benchmarks.formulas [--isolate] [--timeout 60] [--hessian] [--top 15] [--root DIR] [--only KINDS]

For every formula of CORPUS (well over 100 hostile or heavy inputs: the cases in the engineering notes, nested
sinh / exp / log towers, huge powers, deep nesting, long sums, products of many functions, pathological
constants, what a Chinese input method types, 1-D curves) it measures the process CPU time of

    surfaces.custom_surface(text)        parse, compile value + gradient, sample the window, find the minima
      (a "curve": get_surface(text, dim=1))
    s.value(start), s.gradient(start)    so nothing is left compiled lazily

and prints the distribution (median, 95th percentile, worst) and the most expensive formulas.  ``--hessian``
adds what the app asked of a surface before the Hessian became finite differences (``s.hessian(start)`` and
``s.curvature_bound()``), to measure older revisions.  ``--isolate`` runs every formula in its own Python
process with a timeout (a hung formula is reported as ``> timeout``) and ``--root`` runs those processes in
another checkout, so the same corpus measures an older revision.

Targets (issue: no single formula may burn the server): worst case <= 0.5 s of CPU on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# --------------------------------------------------------------------------------------------- the corpus
_SIN_TOWER = "sin(" * 58 + "x" + ")" * 58


def _tower(fn: str, depth: int, inner: str = "x") -> str:
    return f"{fn}(" * depth + inner + ")" * depth


CORPUS: list[tuple[str, str]] = [
    # the report that started this: a symbolic Hessian took 10-18 s
    ("tower", "sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100))"),
    ("tower", "sinh(sinh(log(y)**99))*sinh(sinh(log(x)**98))"),
    ("tower", "cosh(cosh(log(x)**100))+cosh(cosh(log(y)**100))"),
    ("tower", "sinh(sinh(sinh(log(x)**50)))+sinh(sinh(sinh(log(y)**50)))"),
    ("tower", "exp(exp(log(x)**100))+exp(exp(log(y)**100))"),
    ("tower", "tanh(tanh(log(x^2+1)**100))+tanh(tanh(log(y^2+1)**100))"),
    ("tower", "sinh(log(x)**100)*sinh(log(y)**100)"),
    ("tower", "log(y)**100 + log(x)**100"),
    ("tower", "(log(x)+log(y))**100"),
    ("tower", "sinh(sinh(sinh(sinh(sinh(x)))))+sinh(sinh(sinh(sinh(sinh(y)))))"),
    ("tower", _tower("sinh", 20)),
    ("tower", _tower("exp", 6, "x^2+y^2")),
    ("tower", _tower("log", 8, "x^2+y^2+10")),
    ("tower", _tower("sqrt", 40, "x^2+y^2+1")),
    ("tower", _tower("atan", 45, "x*y")),
    ("tower", _tower("tanh", 45, "x+y")),
    ("tower", _tower("cos", 45, "x*y")),
    ("tower", _tower("abs", 40, "x-y")),
    ("tower", _tower("asinh", 40, "x*y")),
    ("tower", _SIN_TOWER),
    ("tower", _tower("sin", 99, "x")),
    ("tower", "exp(sin(exp(cos(exp(sin(exp(cos(x*y))))))))"),
    ("tower", "log(abs(log(abs(log(abs(log(abs(x)+1))+1))+1))+1)"),
    ("tower", "sinh(cosh(tanh(sinh(cosh(tanh(x^2+y^2))))))"),
    ("tower", "atan2(atan2(atan2(atan2(y,x),x),y),x)"),
    ("tower", "atan2(sin(atan2(y,x)),cos(atan2(x,y)))*exp(atan2(y**3,x**3))"),
    ("tower", "acosh(cosh(acosh(cosh(x^2+2)+1)+1)+1)+asinh(sinh(asinh(sinh(y))))"),
    ("tower", "asin(sin(acos(cos(atan(tan(x/3))))))+atanh(tanh(y))"),
    # huge and symbolic powers
    ("power", "x**100 + y**100"),
    ("power", "x**99.5 + y**-99"),
    ("power", "(x+y+1)**100"),
    ("power", "(x^2+y^2+x*y+x+y+1)^50"),
    ("power", "(x^2+y^2+x*y+x+y+1)^20"),
    ("power", "((x+y+1)^7+x)^7"),
    ("power", "((x+1)**10)**10"),
    ("power", "((x+1)**100)**100"),
    ("power", "x**(10**10)"),
    ("power", "(x+y+1)**(99*99)"),
    ("power", "x**x**x**x"),
    ("power", "x**y**x**y**x**y"),
    ("power", "(x^2+1)**(y^2+1)**(x^2+1)**(y^2+1)"),
    ("power", "2**2**2**2**x"),
    ("power", "(1+1/(x^2+1))**(x^2+y^2)**3"),
    ("power", "abs(x)**abs(y)**abs(x)**abs(y)"),
    ("power", "sin(x)**100*cos(y)**100"),
    ("power", "(sin(x)+cos(y))**100+(sin(y)-cos(x))**100"),
    ("power", "exp(x)**100 + exp(y)**100"),
    ("power", "(x*y)**(1/3) + (x-y)**(2/3)"),
    ("power", "(x^2+y^2)**0.5**0.5**0.5**0.5"),
    ("power", "x^-100 + y^-100"),
    ("power", "(x-1)**100*(y+1)**100*(x+y)**100"),
    # deep nesting and long chains
    ("nesting", "(" * 99 + "x" + ")" * 99),
    ("nesting", "(" * 149 + "x" + ")" * 149),
    ("nesting", "-" * 299 + "x"),
    ("nesting", "-" * 98 + "x"),
    ("nesting", "-(" * 60 + "x" + ")" * 60),
    ("nesting", "x" + "**x" * 40),
    ("nesting", "1/(1+1/(" * 20 + "x" + "))" * 20),
    ("nesting", "x*(1+x*(" * 25 + "y" + "))" * 25),
    ("nesting", "sin(x+sin(y+" * 18 + "x" + "))" * 18),
    ("nesting", "(" * 10000 + "x" + ")" * 10000),
    ("nesting", "x" * 100_000),
    ("long", "+".join(["x"] * 150)),
    ("long", "+".join(["x"] * 151)),
    ("long", "+".join(f"sin({k}*x)" for k in range(1, 30))),
    ("long", "+".join(f"x^{k}" for k in range(1, 50))),
    ("long", "+".join(f"{k}*x*y" for k in range(1, 40))),
    ("long", "*".join(["x"] * 100)),
    ("long", "*".join(["x", "y"] * 50)),
    ("long", "-".join(["y", "x"] * 70)),
    ("long", "/".join(["x"] * 100)),
    ("long", "+".join(f"exp(-(x-{k})^2-(y+{k})^2)" for k in range(1, 12))),
    ("long", "+".join(f"cos({k}*x)*sin({k}*y)" for k in range(1, 16))),
    # products of many functions
    ("product", "*".join(f"sin(x+{i})" for i in range(1, 30))),
    ("product", "/".join(f"(x+{i})" for i in range(1, 40))),
    ("product", "*".join(f"(x+{i})" for i in range(1, 40))),
    ("product", "*".join(f"(x*y+{i})" for i in range(1, 30))),
    ("product", "*".join(f"exp(sin(x*{i}))" for i in range(1, 20))),
    ("product", "*".join(f"atan2(y+{i},x)" for i in range(1, 20))),
    ("product", "*".join(f"sinh(x/{i})" for i in range(1, 25))),
    ("product", "*".join(f"log(x^2+{i})" for i in range(1, 25))),
    ("product", "*".join(f"sqrt(x^2+y^2+{i})" for i in range(1, 25))),
    ("product", "*".join(f"abs(x-{i})" for i in range(1, 30))),
    ("product", "sin(x)*cos(y)*tan(x)*sinh(y)*cosh(x)*tanh(y)*exp(x)*log(y^2+1)*sqrt(x^2+1)*atan(y)*asinh(x)"),
    # constants that hang or overflow a CAS
    ("constant", "9**9**9**9"),
    ("constant", "(((9**99)**99)**99)**99"),
    ("constant", "(1/3)**(10**9)"),
    ("constant", "factorial(10**10)"),
    ("constant", "exp(exp(exp(100)))*x"),
    ("constant", "cosh(1000)*x"),
    ("constant", "1e999*x"),
    ("constant", "123456789012345678*x"),
    ("constant", "sin(10**15)*x + cos(1e15)*y"),
    ("constant", "exp(700)*x + exp(-700)*y"),
    ("constant", "(2**0.5)**(2**0.5)**(2**0.5)**(2**0.5)*x"),
    ("constant", "pi**pi**pi*x+e**e**e*y"),
    ("constant", "sqrt(2)**100*x"),
    ("constant", "x*(1/3)**40 + y*3**40"),
    # undefined or degenerate everywhere
    ("undefined", "1/(x-x)"),
    ("undefined", "x - x"),
    ("undefined", "log(0)+x"),
    ("undefined", "log(-1)+x"),
    ("undefined", "sqrt(-x**2-y**2)"),
    ("undefined", "sqrt(-x^2 - y^2 - 1)"),
    ("undefined", "log(-x**2-1)"),
    ("undefined", "asin(x^2 + 2)"),
    ("undefined", "acosh(x - 10) + y"),
    ("undefined", "exp(exp(x^2+y^2+10))"),
    ("undefined", "exp(1e5*(x^2+y^2+1))"),
    ("undefined", "sinh(sinh(sinh(x^2+y^2+10)))"),
    ("undefined", "sin(x)^2+cos(x)^2+y-y"),
    ("undefined", "x*0 + y*0"),
    ("undefined", "(x-x)*sin(y)"),
    ("undefined", "1/(x^2+y^2)"),
    # code-execution gadgets and Python-only syntax (rejected by the parser)
    ("gadget", "__import__('os').system('touch /tmp/pwned')"),
    ("gadget", "().__class__.__bases__[0].__subclasses__()"),
    ("gadget", 'x**2+y**2 #"""; import os; os.system("touch PWNED"); """'),
    ("gadget", "[c for c in ().__class__.__mro__]"),
    ("gadget", "f\"{__import__('os').system('id')}\""),
    ("gadget", "lambda: 1"),
    ("gadget", "Function('os.system')(x)"),
    ("gadget", "0x10*x + 0b11*y + 0o7"),
    ("gadget", "1_000*x"),
    ("gadget", "1j*x"),
    ("gadget", "x\\\n+y"),
    # what a Chinese input method types (accepted)
    ("ime", "ｘ＾２＋３＊ｙ＾２"),
    ("ime", "（１－ｘ）²＋１００×（ｙ－ｘ²）²"),
    ("ime", "sin（x）·cos（y）÷２"),
    ("ime", "atan2（y，x）+x²+y²"),
    ("ime", "x²\u3000+\u3000y³ − x"),
    # 1-D curves typed in x alone (measured as get_surface(text, dim=1): compiled, minima by bisection)
    ("curve", "sinh(sinh(log(x)**100))"),
    ("curve", "cosh(cosh(log(x)**100))+x^2"),
    ("curve", "sin(1000*x)"),
    ("curve", "cos(300*x)*(" + "+".join(f"sin({k}*x)" for k in range(1, 28)) + ")"),
    ("curve", "cos(999*x)*(" + "*".join(f"atan(x+{k})" for k in range(1, 22)) + ")"),
    ("curve", "sin(999*x)*" + "sinh(" * 40 + "x/9" + ")" * 40),
    ("curve", "*".join(f"sin(x+{i})" for i in range(1, 30))),
    ("curve", _tower("sin", 58)),
    ("curve", "x**x**x**x**x**x"),
    ("curve", "(x+1)^100"),
    ("curve", "x^2 + y"),
    ("curve", "ｘ⁴－３ｘ²"),
    # ordinary formulas, for scale
    ("ordinary", "x^2 + 3*y^2"),
    ("ordinary", "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2"),
    ("ordinary", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"),
    ("ordinary", "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)"),
    ("ordinary", "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20"),
    ("ordinary", "(1 - x)^2 + 100*(y - x^2)^2"),
    ("ordinary", "abs(x) + abs(y)"),
    ("ordinary", "sqrt(x^2 + y^2)"),
    ("ordinary", "log(x) + y^2"),
    ("ordinary", "x^3 - 3*x*y^2"),
]

# A child process measures one formula and prints one JSON line.
_CHILD = r"""
import json, sys, time
text, hessian, dim = json.loads(sys.argv[1]), sys.argv[2] == "1", int(sys.argv[3])
import numpy as np
from surfaces import custom_surface, get_surface
custom_surface("x^2 + y^2")  # warm the imports
t0 = time.process_time()
try:
    s = get_surface(text, dim=1) if dim == 1 else custom_surface(text)
    p = np.array(s.start, dtype=float)
    s.value(p), s.gradient(p)
    if hessian:
        s.hessian(p), s.curvature_bound()
    outcome = "accepted"
except ValueError as exc:
    outcome = "rejected: " + str(exc)
print(json.dumps({"cpu": time.process_time() - t0, "outcome": outcome}))
"""


def measure(text: str, hessian: bool = False, dim: int = 2) -> tuple[float, str]:
    """(CPU seconds, outcome) of one formula in this process (the caches cleared first)."""
    import numpy as np

    from surfaces import custom_surface, get_surface
    from surfaces.curves import _custom_curve

    custom_surface.cache_clear()
    _custom_curve.cache_clear()
    t0 = time.process_time()
    try:
        s = get_surface(text, dim=1) if dim == 1 else custom_surface(text)
        p = np.array(s.start, dtype=float)
        s.value(p), s.gradient(p)
        if hessian:
            s.hessian(p), s.curvature_bound()
        outcome = "accepted"
    except ValueError as exc:
        outcome = "rejected: " + str(exc)
    return time.process_time() - t0, outcome


def measure_isolated(text: str, timeout: float, root: str, hessian: bool, dim: int = 2) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=root)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(text), "1" if hessian else "0", str(dim)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return float("inf"), f"> {timeout:g} s (killed)"
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return float("nan"), f"crashed: {tail[:120]}"
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(data["cpu"]), str(data["outcome"])


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _shown(text: str, n: int = 60) -> str:
    text = text.encode("unicode_escape").decode() if not text.isprintable() else text
    return text if len(text) <= n else text[: n - 3] + "..."


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--isolate", action="store_true", help="one process per formula, with a timeout")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per formula with --isolate")
    ap.add_argument("--root", default=".", help="checkout to measure with --isolate (default: this one)")
    ap.add_argument("--hessian", action="store_true", help="also compute s.hessian(start) and s.curvature_bound()")
    ap.add_argument("--top", type=int, default=15, help="list the N most expensive formulas")
    ap.add_argument("--only", default="", help="comma-separated kinds to measure (e.g. curve), default all")
    args = ap.parse_args(argv)

    if not args.isolate:
        measure("x^2 + y^2")  # warm-up: imports and SymPy's caches
    rows = []
    for category, text in CORPUS:
        dim = 1 if category == "curve" else 2
        if args.only and category not in args.only.split(","):
            continue
        if args.isolate:
            cpu, outcome = measure_isolated(text, args.timeout, os.path.abspath(args.root), args.hessian, dim)
        else:
            cpu, outcome = measure(text, args.hessian, dim)
        rows.append((cpu, category, text, outcome))
    times = [r[0] for r in rows if r[0] == r[0]]  # NaN: crashed
    accepted = sum(1 for r in rows if r[3] == "accepted")
    print(f"{len(rows)} formulas ({accepted} accepted, {len(rows) - accepted} rejected), CPU seconds per formula:")
    print()
    print("| median | 95th percentile | worst | total |")
    print("|---:|---:|---:|---:|")
    worst = max(times)
    total = sum(t for t in times if t != float("inf"))
    print(
        f"| {statistics.median(times):.4f} | {_quantile(times, 0.95):.4f} | "
        f"{'timeout' if worst == float('inf') else f'{worst:.4f}'} | {total:.2f} |"
    )
    print()
    print(f"The {args.top} most expensive:")
    print()
    print("| CPU s | kind | formula | outcome |")
    print("|---:|---|---|---|")
    for cpu, category, text, outcome in sorted(rows, key=lambda r: -r[0] if r[0] == r[0] else 0)[: args.top]:
        shown_cpu = "timeout" if cpu == float("inf") else f"{cpu:.4f}"
        print(f"| {shown_cpu} | {category} | `{_shown(text)}` | {_shown(outcome, 90)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
