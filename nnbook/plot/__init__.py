"""The course's plots (matplotlib), ``nb.plot.<name>``: loss curves (chapter 00), gradient
norms per layer (06), decision boundaries (05, 09), image grids, filters and feature maps
(07, 08, 10), confusion matrices (10), results over seeds (05 on), densities, vector fields
and snapshots of samples (26); each takes an optional ``ax``, returns the axis it drew on
and never calls ``plt.show()``.

The code lives in curves.py (curves and the plane), images.py (pictures of arrays),
spread.py (results over seeds), fields.py (2-D densities and vector fields) and style.py:
the figure rules (README), which the diagrams and explorables follow too: images in
``gray_r`` (ink on paper), signed maps in ``RdBu_r`` centred on 0, non-negative maps in
``viridis``, one colour scale per grid, legends off the data.
"""

from .curves import decision_boundary, gradient_norms, loss_curve
from .fields import density, snapshots, vector_field
from .images import confusion_matrix, feature_maps, filters, image_grid
from .spread import seeds
from .style import IMAGE_CMAP, legend

__all__ = ["loss_curve", "gradient_norms", "decision_boundary", "image_grid", "confusion_matrix",
           "filters", "feature_maps", "seeds", "legend", "IMAGE_CMAP",
           "density", "vector_field", "snapshots"]
