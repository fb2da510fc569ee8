// Package linalg holds the dense linear algebra that package rnn needs
// and that package analysis exports: the eigenvalues and spectral radius
// of a recurrent weight matrix (rnn scales its initial weights to a
// spectral_radius with it). It is internal because analysis imports rnn,
// so rnn cannot import analysis.
package linalg
