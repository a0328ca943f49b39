"""Figure code, every picture of the course drawn from the cell's own numbers:
plots of results (plot.py, which gathers curves.py and images.py, drawn by the
rules in style.py), schematic diagrams (diagrams.py, diagrams_conv.py,
diagrams_graph.py, with the shared drawing helpers in _draw.py), explorables
(explore.py, their static figures in explore_figures.py) and animations
(animation.py). Learners reach them as ``nb.plot``, ``nb.diagrams``,
``nb.explore``, …; they import matplotlib, so ``import nnbook`` loads them only
on first use.
"""
