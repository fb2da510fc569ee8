// Package npz reads and writes NumPy's .npy and .npz formats, so that masks,
// checkpoints and exported trajectories open with numpy.load.
//
// It is a package of its own because dale's Go API hands its arrays over:
// rnn.Load returns a checkpoint's extra arrays as []npz.Array values and
// Model.Save takes them, and a Go user reads and writes the .npy/.npz files
// numpy does (masks, weights, exported trajectories) with it. No
// dependency beyond the standard library.
//
// Supported element types: float32, float64, int32, int64 and uint8 (and,
// when reading, bool, which becomes uint8). Arrays are C-ordered (row-major);
// Fortran-ordered files are converted on reading. .npz archives are zip files
// with one NAME.npy entry per array, written compressed; writes are atomic.
package npz
