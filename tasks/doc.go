// Package tasks generates seeded batches of neuroscience trials and scores
// a network's outputs on them. It knows nothing of the model: a task turns
// a *rand.Rand into a *batch.Batch (inputs, targets, loss mask and what
// each trial was), and turns outputs of the same shape back into accuracy,
// errors, per-condition summaries and psychometric curves.
//
// # Tasks
//
// Thirty-two tasks are registered by name (Names, List, New, Parse); their
// parameters and defaults are documented on their parameter types:
//
//	sine          sine-wave generation (SineParams)
//	pdm           perceptual decision making (PDMParams)
//	ctxdm         context-dependent decision making, Mante 2013 (CtxDMParams)
//	multisensory  multisensory integration, Raposo 2012 (MultisensoryParams)
//	romo          parametric working memory, Romo 1999 (RomoParams)
//	dms           delayed match-to-sample (DMSParams)
//	dmc           delayed match-to-category, Freedman & Assad 2006 (DMCParams)
//	gonogo        go / no-go (GoNoGoParams)
//	antisaccade   anti-saccade on a ring of 32 (AntiParams)
//	rsg           ready-set-go, Jazayeri & Shadlen 2010 (RSGParams)
//	flipflop      3-bit flip-flop, Sussillo & Barak 2013 (FlipFlopParams)
//	yang-fdgo ... yang-dmcnogo
//	              the 20 tasks of Yang et al. 2019, one each (YangParams,
//	              YangRules): fdgo, reactgo, delaygo, fdanti, reactanti,
//	              delayanti, dm1, dm2, contextdm1, contextdm2, multidm,
//	              delaydm1, delaydm2, contextdelaydm1, contextdelaydm2,
//	              multidelaydm, dmsgo, dmsnogo, dmcgo, dmcnogo
//	yang20        the 20 in one network, Yang et al. 2019's multitask
//	              (YangMultiParams, Multitask)
//
// A task is chosen in JSON as {"name": "pdm", "params": {...}}; parameters
// left out keep their defaults, and unknown keys or bad values are errors
// that name the parameter, the value and what is allowed.
//
// # Trials
//
// A trial is a sequence of named periods (fixation, stimulus, delay,
// decision, ...) whose durations follow a rule each (Duration: fixed,
// uniform, choice from a list, truncated exponential), drawn in ms and
// rounded to whole steps of dt (default 10 ms; 20 ms for the Yang tasks).
// Trials of one batch may differ in length: shorter ones are padded with
// zero inputs, targets and mask. By default every batch is padded to the longest trial the task can
// produce, so all batches of a task have one shape (Common.Pad).
// TrialLengths reports the distribution of trial lengths of any task.
//
// Arrays are [trial, step, channel], row-major float32 (see package batch).
// Sample draws everything from the *rand.Rand it is given: the same seed
// gives the same batch, bit for bit.
//
// # Noise
//
// Stimulus inputs carry Gaussian noise in NeuroGym's convention: Sigma is
// the standard deviation at dt = 1 ms and each step of dt ms adds noise of
// standard deviation Sigma/sqrt(dt), so the noise integrated over a fixed
// time does not depend on dt. Fixation, context and cue inputs carry none,
// except in the Yang tasks, which add it to every input as Yang et al. 2019
// do (YangParams).
//
// # Loss masks
//
// MaskSpec chooses "trial" (1 on every step), "response" (PsychRNN: 0
// before the go cue, 1 after) or "yang" (the default, Yang et al. 2019: 0
// for the first 100 ms, 1 until the go cue, 0 for a 100 ms grace period,
// 5 afterwards, the fixation output weighted ×2).
//
// # Scoring
//
// Score is fraction correct for choice tasks: the choice is the argmax over
// the choice outputs of their mean over the decision period, and a trial
// whose fixation output drops below FixationThreshold (0.5) before the
// decision period is wrong. Trials with no correct answer (pdm at 0 %
// coherence) are left out of the accuracy but enter the psychometric
// curve. Continuous tasks report an error measure (sine: 1 − R²,
// flip-flop: bit error, ready-set-go: relative timing error). Every Score
// carries Measures, every measure by name ("accuracy", "mse", the error
// measure, "r" for ready-set-go, "bits_held" for flip-flop). The Yang tasks
// are scored as Yang et al. 2019 do, at the last step: fixation output
// > 0.5 is fixating, otherwise the population vector of the ring outputs
// must be within 0.2π of the response; the six that show both modalities
// add "follows_mod1" and "follows_mod2", which modality the answers follow
// where the two modalities disagree (does the network use the rule?); yang20
// adds "accuracy/<rule>" per task, "min_accuracy" and "follows_mod1/<rule>",
// "follows_mod2/<rule>".
//
// # Targets
//
// Each task declares the measure it is judged by and the value that
// measure must reach (Task.Target, Target.Met): accuracy >= 0.9 for pdm
// (the acceptance target, >= 0.95 at the strongest coherence, in one
// number), ctxdm, romo, dms and dmc, >= 0.85 for multisensory, >= 0.95 for
// gonogo and antisaccade; mse < 0.01 for flipflop, r >= 0.95 for rsg and
// nmse < 0.05 for sine; accuracy >= 0.9 for each Yang task and
// min_accuracy >= 0.9 for yang20 (every task at 90 %).
//
// # Psychometric curves
//
// Psychometrics fits cumulative-Gaussian (probit) curves of choice against
// signed evidence (FitProbit), per context and modality for ctxdm. A fit
// the data do not support (constant choices, a flat curve, a bias outside
// the evidence range, a step the choices do not put there) is reported
// with Converged false and the reason (Probit.Reason).
package tasks
