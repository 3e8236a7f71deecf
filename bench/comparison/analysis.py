"""Why a goal was missed, with the run's numbers."""


def explain(f, goals):
    missed = goals.missed()
    if not missed:
        return "Every measured goal is met."
    return "\n".join("* %s" % m for m in missed)
