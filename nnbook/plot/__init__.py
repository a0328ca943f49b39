"""The course's plots (matplotlib), ``nb.plot.<name>``; each takes an optional ``ax``,
returns the axis it drew on and never calls ``plt.show()``: curves.py (loss curves,
gradient norms, decision boundaries), images.py (image grids, filters, feature maps,
confusion matrices), spread.py (results over seeds), fields.py (densities, vector fields
and samples, chapter 26), scaling.py (a scaling law against its floor, 32) and style.py (the figure rules, README, which the diagrams and
explorables follow too)."""

from .curves import decision_boundary, gradient_norms, loss_curve
from .fields import density, snapshots, vector_field
from .images import confusion_matrix, feature_maps, filters, image_grid
from .scaling import scaling_fit
from .spread import seeds
from .style import IMAGE_CMAP, legend

__all__ = ["loss_curve", "gradient_norms", "decision_boundary", "image_grid", "confusion_matrix",
           "filters", "feature_maps", "seeds", "legend", "IMAGE_CMAP",
           "density", "vector_field", "snapshots", "scaling_fit"]
