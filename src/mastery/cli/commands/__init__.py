"""One module per command group, each with its parser beside its handlers.

Every module has `register(sub)`, which adds its subcommands to the top-level parser and sets
`run` on each (see `mastery.cli.main`). The modules never import each other (an import-linter
contract): what several groups share is in `mastery.cli.common`.
"""
