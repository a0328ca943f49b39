"""The course's plots (matplotlib): loss curves (chapter 00), gradient norms per
layer (chapter 06), decision boundaries (chapters 05 and 09), image grids, filters
and feature maps (chapters 07, 08 and 10), confusion matrices (chapter 10), and
results over seeds (chapter 05 on), densities, vector fields and snapshots of samples
(chapter 26).
Every function takes an optional ``ax`` and returns the axis it drew on; none
calls ``plt.show()``. The figure rules they follow (README): digits and other
images in ``gray_r`` (ink on paper), signed maps in ``RdBu_r`` centred on 0,
non-negative maps in ``viridis``; one colour scale per grid; legends off the data.

Learners write ``nb.plot.<name>``; the code lives in curves.py (curves and the
plane), images.py (pictures of arrays), spread.py (results over seeds), fields.py (2-D densities and vector fields) and style.py
(the rules, which the diagrams and explorables follow too).
"""

from .curves import decision_boundary, gradient_norms, loss_curve
from .fields import density, snapshots, vector_field
from .images import confusion_matrix, feature_maps, filters, image_grid
from .spread import seeds
from .style import IMAGE_CMAP, legend

__all__ = ["loss_curve", "gradient_norms", "decision_boundary", "image_grid", "confusion_matrix",
           "filters", "feature_maps", "seeds", "legend", "IMAGE_CMAP",
           "density", "vector_field", "snapshots"]
