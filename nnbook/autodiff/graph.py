"""Chapter 14's picture of a computation graph: ``draw_graph`` shows every node of a
``Value`` graph with its data and grad, and each arrow with its local derivative.
"""

from .engine import Value

__all__ = ["draw_graph"]


def draw_graph(output: Value, ax=None, *, title="Computation graph: data and grad of each node",
               max_nodes: int = 30):
    """Draw the graph that ends in ``output``: one box per node (name or operation,
    ``data``, ``grad``), inputs on the left, an arrow per parent, labelled with the
    local derivative ∂child/∂parent. Returns the matplotlib axis.
    """
    import matplotlib.pyplot as plt                  # only here: nnbook imports without matplotlib

    order = output.topological_order()
    if len(order) > max_nodes:
        raise ValueError(f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes} "
                         f"can show readably. Draw a smaller expression, or raise max_nodes.")
    depth, children = {}, {}
    for node in order:                               # parents come first, so their depth is known
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
        for p in node.parents:
            children.setdefault(id(p), []).append(node)
    for node in order:                               # an input sits just left of its first use
        if not node.parents and id(node) in children:
            depth[id(node)] = min(depth[id(c)] for c in children[id(node)]) - 1
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for d in sorted(columns, reverse=True):          # output first; a node sits level with its users
        col = sorted(columns[d], key=lambda v: -sum(pos[id(c)][1] for c in children.get(id(v), []))
                     / max(len(children.get(id(v), [])), 1))
        pos.update({id(node): (3.0 * d, 1.4 * ((len(col) - 1) / 2 - i)) for i, node in enumerate(col)})
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * len(columns) + 1, 1.2 * max(map(len, columns.values())) + 1.5))
    for node in order:
        x, y = pos[id(node)]
        for parent, local in zip(node.parents, node.local_grads):
            px, py = pos[id(parent)]
            ax.annotate("", xy=(x, y), xytext=(px, py), arrowprops=dict(
                arrowstyle="->", color="0.45", shrinkA=34, shrinkB=34))
            ax.text((px + x) / 2, (py + y) / 2, f"{local:.3g}", fontsize=9, ha="center", va="center",
                    color="C3", bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
        name = node.label or node.op or f"{node.data:g}"
        leaf = not node.parents
        ax.text(x, y, f"{name}\ndata {node.data:.3f}\ngrad {node.grad:.3f}", fontsize=9,
                ha="center", va="center", gid=name,
                bbox=dict(boxstyle="round,pad=0.35", fc="#dbe9f6" if leaf else "#fdf2d0", ec="0.3"))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set(xlim=(min(xs) - 1.3, max(xs) + 1.3), ylim=(min(ys) - 0.9, max(ys) + 0.9), title=title)
    ax.axis("off")
    return ax
