"""The benchmark's tables, as reStructuredText: readable in a terminal, pasteable into the docs."""

from epoch_parts import PARTS


def rst_table(header, rows):
    """An reStructuredText simple table: readable in a terminal, pasteable into the docs."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)

    def line(row):  # text columns to the left, numbers to the right
        return "  ".join(
            c.ljust(w) if not _is_number(c) else c.rjust(w) for c, w in zip(row, widths)
        ).rstrip()

    return "\n".join([rule, line(cells[0]), rule, *map(line, cells[1:]), rule])


def _ratio(numerator, denominator):
    return f"{numerator / denominator:.2f}" if denominator > 0 else "n/a"


def _is_number(text):
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def training_table(results):
    header = [
        "workload",
        "solver",
        "dtype",
        "skb epoch ms",
        "skl epoch ms",
        "ratio",
        "skb fit s",
        "skl fit s",
        "GEMM ms",
        "skb/GEMM",
        "opt ms",
        "skb/(GEMM+opt)",
        "skb acc",
        "skl acc",
        "spread",
    ]
    with_torch = any("torch" in r for r in results)
    if with_torch:
        header += ["torch ms", "torch/skl", "fused ms", "fused/skl"]
    rows = []
    for r in results:
        skb, skl = r["skbackprop"], r["sklearn"]
        torch_cells = [
            f"{r[key] * 1e3:.1f}" if ratio == "" else f"{r[key]:.2f}"
            for key, ratio in (
                ("torch", ""),
                ("torch_ratio", "r"),
                ("torch_fused", ""),
                ("torch_fused_ratio", "r"),
            )
            if key in r
        ]
        rows.append(
            [
                r["workload"],
                r["solver"],
                r["dtype"],
                f"{skb['epoch'] * 1e3:.1f}",
                f"{skl['epoch'] * 1e3:.1f}",
                f"{r['ratio']:.2f}",
                f"{skb['fit']:.2f}",
                f"{skl['fit']:.2f}",
                f"{r['gemm'] * 1e3:.1f}",
                f"{r['gemm_ratio']:.2f}",
                f"{r['optimizer'] * 1e3:.1f}" if "optimizer" in r else "",
                _ratio(skb["epoch"], r["gemm"] + r["optimizer"]) if "optimizer" in r else "",
                f"{skb['accuracy']:.3f}",
                f"{skl['accuracy']:.3f}",
                f"{r['spread']:.0%}",
                *((torch_cells or [""] * 4) if with_torch else []),
            ]
        )
    # float32 end to end against scikit-learn in float64, same workload and solver.
    by_key = {(r["workload"], r["solver"], r["dtype"]): r for r in results}
    for (workload, solver, dtype), r in by_key.items():
        reference = by_key.get((workload, solver, "float64"))
        if dtype == "float32" and reference is not None:
            ratio = _ratio(r["skbackprop"]["epoch"], reference["sklearn"]["epoch"])
            cells = [workload, solver, "skb f32 / skl f64", "", "", ratio]
            cells += [""] * (len(header) - len(cells))
            if with_torch and "torch" in r:  # PyTorch float32 against scikit-learn float64
                cells[-3] = _ratio(r["torch"], reference["sklearn"]["epoch"])
                cells[-1] = _ratio(r["torch_fused"], reference["sklearn"]["epoch"])
            rows.append(cells)
    return rst_table(header, rows)


def predict_table(results):
    rows = []
    for r in results:
        if "predict" in r:
            t = r["predict"]
            rows.append(
                [
                    r["workload"],
                    r["dtype"],
                    f"{r['predict_rows']:,}",
                    f"{t['skbackprop'] * 1e3:.1f}",
                    f"{t['sklearn'] * 1e3:.1f}",
                    f"{t['ratio']:.2f}",
                    f"{r['predict_gemm'] * 1e3:.1f}",
                    _ratio(r["predict_gemm"], t["sklearn"]),
                ]
            )
    header = ["workload", "dtype", "rows", "skb ms", "skl ms", "ratio", "GEMM ms", "GEMM/skl"]
    return rst_table(header, rows)


def memory_table(memory):
    if memory is None:
        return "(not measured: needs Linux /proc)"
    rows = [
        [
            library,
            f"{m['before_mib']:.1f}",
            f"{m['peak_mib']:.1f}",
            f"{m['peak_mib'] - m['before_mib']:.1f}",
        ]
        for library, m in memory.items()
    ]
    added = {library: m["peak_mib"] - m["before_mib"] for library, m in memory.items()}
    rows.append(["skb / skl", "", "", _ratio(added["skbackprop"], added["sklearn"])])
    header = ["library", "MiB before fit", "MiB peak", "MiB added by fit"]
    return rst_table(header, rows)


def parts_table(results):
    """Where a skbackprop epoch goes, part by part (see epoch_parts.py), in ms per epoch."""
    rows = []
    for r in results:
        if "parts" in r:
            epoch = r["skbackprop"]["epoch"]
            parts = r["parts"]
            other = epoch - sum(parts.values())
            rows.append(
                [
                    r["workload"],
                    r["dtype"],
                    f"{epoch * 1e3:.2f}",
                    *(f"{parts[name] * 1e3:.2f}" for name in PARTS),
                    f"{other * 1e3:.2f}",
                ]
            )
    header = ["workload", "dtype", "epoch ms", *PARTS, "other"]
    return rst_table(header, rows)
