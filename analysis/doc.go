// Package analysis is how a trained network solves its task: the analyses
// of a trained rnn.Model that computational neuroscience uses, on dale's
// exact dynamics (rnn.Dynamics: the single-step map and its Jacobian).
//
// Today it holds the building blocks behind dale's figures and reports:
// principal components of hidden-state trajectories (PCA), eigenvalues
// and spectral radius of a recurrent weight matrix, and the split of a
// weight matrix's entries by the type of the sending neuron (for weight
// distributions). Every function takes plain slices (row-major matrices),
// checks its input and returns an error instead of panicking.
// (Psychometric fits live with the tasks that define the evidence:
// tasks.Psychometrics and tasks.FitProbit.)
package analysis
