"""Built-in plugins. Each registers through the `quita.plugins` entry-point group like any third-party package."""
