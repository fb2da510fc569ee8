// Package sweep is a modeller's unit of work: one run config varied
// along axes — seeds, sizes, E/I fractions, the mask's inter-area
// switches — into a grid of ordinary runs, run on this machine or on a
// Slurm cluster through Slurm itself.
//
// A Spec is a base run config (package run's JSON, or a task's recipe
// with a base laid over it) and axes, each a JSON path into the run
// config with a list of values ("mask.exc_pct": [0.5, 0.8], "seed": [1,
// 2, 3]), combined as a grid (the last axis fastest), with optional
// zipped groups of axes that vary together. Members expands it and
// validates every member config with run.Resolve before anything starts,
// so a bad spec is refused whole: one error naming the axis or the member.
//
// Create makes the sweep directory OUT: OUT/sweep.json (the spec, its
// folder, the backend, the Slurm jobs) and one ordinary run directory per
// member, OUT/runs/<id>/, which every run command works on. A member is
// run by RunMember in a worker process of its own: it holds the member's
// lock (on its member.log) and records each attempt in member.json
// (running, then done, failed or interrupted), training the run
// directory or resuming it from last.npz. Members run through one of two
// backends, both starting the same worker ("dale sweep member OUT
// --index i") with GOMAXPROCS set to the spec's threads, so that both
// give the same numbers bit for bit:
//
//   - RunLocal: a pool of worker processes on this machine;
//   - Submit: one sbatch job array (Script writes it: --array over the
//     member indices, %max_parallel, the spec's sbatch options), its job
//     id recorded; SlurmQueue and SlurmAccounting read squeue and sacct.
//
// Status reads where every member stands from its own files (and the
// queue); Unfinished is what a resume runs again (failed, interrupted,
// lost, never run); Collect gathers results.csv (one row per member:
// axis values, state, steps, the task's measures, wall time, the error)
// and figures of each measure against each axis, mean ± sd over the other
// axes. OUT's lock (Lock) keeps two commands from driving one sweep.
//
// It earns a package of its own because a sweep is above a run: it
// imports run, and nothing below it knows about sweeps. It schedules
// nothing itself: parallelism is a process pool or Slurm's.
package sweep
