"""The source-transformation compiler. Passes live in one module each; see docs/compiler.md."""
