// Package mask builds the connectivity masks of a recurrent network: which
// synapses exist and, for excitatory/inhibitory (E/I) networks, their sign.
//
// It reproduces nn4n's mask module (MultiArea, MultiAreaEI, RandomInput,
// MultiIO) with nn4n's parameter names, but seeded, validated with errors
// instead of assertions, and in one orientation only.
//
// # Orientation
//
// Every matrix is (pre, post): rows are the sending side. The input mask is
// input_dim × hidden_size, the hidden mask hidden_size × hidden_size and the
// readout mask hidden_size × readout_dim, so a row vector of rates r maps
// forward as r·W. An inhibitory neuron is a negative row of the hidden and
// readout masks: +1 is an excitatory synapse, −1 an inhibitory one, 0 none.
//
// # Areas and connectivity
//
// A multi-area network splits the hidden neurons into consecutive areas.
// area_connectivities[i][j] is the probability of a synapse from area j to
// area i (row = receiving area), so in the (pre, post) hidden mask it is the
// density of the block whose rows are area j and whose columns are area i.
// Each neuron pair is one independent Bernoulli draw.
//
// # Building
//
// Build a mask from a Go struct (NewMultiArea, NewMultiAreaEI,
// NewRandomInput, NewMultiIO, or the Build method of a config) or from JSON
// (FromJSON) with nn4n's names plus "type" and "seed". Zero values of a
// config mean nn4n's defaults. The same config and seed always give the same
// masks. Every invalid parameter is an error of the form
//
//	mask: exc_pct = 1.5 is not allowed: must be in [0, 1]
//
// # Output
//
// WriteNPZ saves the masks (and each neuron's area and sign) for numpy and
// Specs prints the parameters; run.WriteMaskPNGs draws one heat map per
// mask (so that this package needs no plotting library).
package mask
