"""`python -m bot.cli`: the same as the `policybrief` console script."""

from bot.cli import main

main()
