// Package train turns an rnn.Model and a batch source (a task) into a
// trained network that can be trusted and come back to: one entry point,
// Run (and Resume for a stopped run), in the shape of gonum's optimize.
//
// # The loop
//
// Each step k draws a batch from the Source with the stateless generator
// PCG(seed, k·256+1), and the model's noise from PCG(seed, k·256+2), on
// another goroutine while the previous step runs (results do not depend on
// it, and Sample is never called concurrently), sets the graph's inputs,
// noise, targets and mask, runs the compiled graph (forward,
// loss terms, backward), checks every loss term and gradient is finite,
// clips the global gradient norm (default 1.0), asks the optimiser for the
// update Δw (Adam{} by default, lr 1e-3; SGD{} with momentum; RMSProp{}; or
// an Optimizer of your own) at the scheduled learning rate (constant,
// step, exponential, cosine), and applies
// w ← w + p·Δw, where p in [0, 1] is each element's plasticity
// (rnn.Param.Plasticity). Scaling the update, not the gradient, is what
// makes p = 0 freeze a synapse exactly and p = 0.5 halve its movement under
// Adam, which would undo a scaled gradient (nn4n's way).
//
// Dale's law and sparsity hold by construction: the model computes the
// effective weights |W| ⊙ M inside the graph, and the trainer only ever
// writes the raw W.
//
// # Losses
//
// Loss terms (LossSpec: a Loss, its λ and its name) are gorgonia
// expressions added to the model's graph, each reported every step. The
// built-in Loss values are MSE (masked, with the batch's per-(trial, step,
// output) weights), CrossEntropy over choice outputs, FiringRate (L1/L2),
// FiringRateDist (sd, cv, mean_ad, max_ad), WeightL1 and WeightL2 per layer
// on the effective weights, and StatePred (state prediction).
//
// # Extending: losses and optimisers of your own
//
// In the manner of gonum/optimize's Method, a loss is any value with the
// Loss interface (Type, Name, and Build, which adds the term to the graph
// from a LossInput: outputs, rates, effective weights, targets, mask
// weights, and leaves set from each batch), and an optimiser any value
// with the Optimizer interface (Type, LearningRate, and New, which makes
// the OptimizerState: Begin, Update, and Save/Restore for checkpoints, so
// that Resume stays exact). Set them in Options in Go; to name them in the
// JSON options ({"type": "...", ...}), register a decoder with
// RegisterLoss or RegisterOptimizer. The built-ins are registered under
// "mse", "cross_entropy", "fr", "fr_dist", "weight_l1", "weight_l2",
// "state_pred" and "adam", "sgd", "rmsprop"; an unknown type is an error
// that lists the registered ones.
//
// # Graphs per batch length
//
// Batches of another length need a graph of another length:
// the trainer compiles one per (batch size, steps) and keeps the last four
// (rather than padding every batch to one length, which would cost the
// longest length's compute every step and let padding into the rate
// losses).
//
// # Evaluation, curriculum, early stop
//
// Every EvalEvery steps the model runs without noise on EvalTrials held-out
// trials drawn from PCG(eval_seed, j·256+3) (the same trials every time);
// Options.Score turns the outputs of all of them at once into one number,
// the value of Options.Measure: a name ("accuracy", the default, "mse",
// "nmse", "r", ...) and whether higher is better. A value that reaches the
// stage's threshold (>= when higher is better, <= when lower is) advances
// the curriculum, or, in the last stage (or with Target, or TargetAccuracy
// for a run scored by accuracy), ends the run as Converged. Without a
// target or thresholds a run does all its steps. best.npz keeps the
// evaluation with the best value in the measure's direction (without a
// Score, the lowest evaluation MSE).
//
// # Run directory, checkpoints, resume
//
// With the recorders of RunFiles(dir) (History, then Checkpoints) in
// Options.Recorders, a run writes into dir last.npz (at the start, every
// CheckpointEvery steps, at the end and on interruption), best.npz (at each
// better evaluation), history.csv (one row per step: every loss term, total,
// gradient norm, learning rate, the measure, named by its column:
// "accuracy" or "eval_<name>", the evaluation MSE, wall time) and
// summary.json (with the measure and the last and best evaluations).
// Checkpoints are the model's own .npz (rnn.Model.Save, atomic) plus the
// trainer's state: the step, seeds, curriculum stage, best evaluation,
// the optimiser's type and state (OptimizerState.Save: Adam's moments and
// step count, float64 and int64, exact) and per-element
// plasticity. Resume restores all of it, so a resumed run's losses and
// weights equal an uninterrupted run's bit for bit.
//
// Cancelling the context (SIGINT/SIGTERM in the dale command) finishes the
// current step, writes last.npz and returns status Interrupted with a nil
// error. A non-finite loss, gradient or updated weight stops the run with a
// *NonFiniteError naming the step and the term or parameter; last.npz is
// left as it was (the last good checkpoint).
//
// # Progress
//
// A run does no I/O of its own; as with gonum's optimize, recorders are
// the opt-in way to print and write. Options.Recorders lists them: the
// Progress recorder (on a terminal a bar shows step, loss, the measure,
// steps/s and ETA; otherwise one line is logged every Every steps),
// History (history.csv) and Checkpoints (last.npz, best.npz,
// summary.json), or any Recorder of your own, which sees every step (and,
// as a Starter or Finisher, the start and the end). The dale command and
// package run install Progress and RunFiles.
package train
