// Package sweep is a modeller's unit of work: one run config varied
// along axes — seeds, sizes, E/I fractions, the mask's inter-area
// switches — into a grid of ordinary runs. A Spec is a base run config
// (package run's JSON) and axes, each a JSON path into the run config
// with a list of values ("mask.exc_pct": [0.5, 0.8], "seed": [1, 2, 3]),
// combined as a grid, with optional zipped groups of axes that vary
// together. Members expands it, and validates every member config with
// run.Resolve before anything starts, so a bad spec is refused whole:
// one error naming the axis or the member.
//
// It earns a package of its own because a sweep is above a run: it
// imports run, and nothing below it knows about sweeps.
package sweep
