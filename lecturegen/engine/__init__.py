"""The build pipeline: data, training, cache, figures, rendering and the atomic writer."""
