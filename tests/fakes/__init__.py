"""Small real HTTP servers that speak just enough Gradio to produce faults on demand."""
