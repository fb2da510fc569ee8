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
// when reading, bool, which becomes uint8, and int8, which becomes int32).
// Arrays are C-ordered (row-major); Fortran-ordered files are converted on
// reading. .npz archives are zip files with one NAME.npy entry per array,
// written compressed; writes are atomic (see WriteFileAtomic, and
// RemoveStaleTemps for what a killed writer leaves behind).
//
// # What the readers accept
//
// An .npy header must be one numpy.lib.format reads: magic \x93NUMPY,
// version 1.0, 2.0 or 3.0, at most 10000 bytes, a dict literal with
// exactly the keys 'descr', 'fortran_order' (True or False) and 'shape' (a
// tuple of at most 32 non-negative ints whose nonzero product times the
// element size stays below 2^63). Padding and the final newline are not
// required. The parser refuses, where numpy would accept, a key given twice
// (numpy keeps the last one), and Python syntax no .npy writer produces
// (comments, escapes, string prefixes, signed or hex ints, '\r'); the list
// is in header.go, and a test compares the decisions with numpy's.
//
// Every entry of an .npz archive must be NAME.npy, NAME non-empty without
// slashes, backslashes or NUL bytes and not . or .., each name once. Read
// and ReadWith read each entry they decode to its end, so that its CRC-32
// is checked against the zip directory (numpy's "Bad CRC-32"); they also
// check the local file header's name against the directory's, as Python's
// zipfile does. Nothing may follow an array inside an entry or in an .npy
// file. A damaged archive gives an error naming the file and the entry,
// not different data (short of damage that keeps the CRC-32, a 1 in 2^32
// chance for random damage; the zip fields outside the entries' data, such
// as times and comments, are not checked).
//
// # Memory
//
// No reader allocates an array before checking its declared size against
// a limit and against what the file can hold. Before allocating any array, Read and ReadWith check every selected entry's .npy header:
// its size must agree with the entry's size in the zip directory, and that
// size with the entry's compressed bytes (deflate expands at most 1032
// times). The arrays read must then fit in a limit, DefaultMaxBytes (4 GiB)
// for Read, Options.MaxBytes for ReadWith; memory counts 8 bytes per
// float64 or int64, 4 per float32, int32 or int8, 1 per uint8 or bool. At
// the default limit, Read holds at most 4 GiB of arrays, plus one more
// copy of the largest Fortran-ordered array while it is reordered (8 GiB
// peak for a single 4 GiB Fortran-ordered array), plus a few hundred KiB
// of buffers and archive/zip's copy of the zip directory (the size of the
// directory in the file); a damaged entry can cost its declared size,
// within the limit and 1032 times its compressed bytes, before the damage
// shows. ReadWith with Options.Names decompresses only
// the entries named, so an archive's unknown arrays cost nothing, and List
// describes the arrays from their headers without reading their data.
//
// ReadNPY and ReadNPYFile refuse an array of more than DefaultMaxBytes in
// memory (the largest: 4 GiB of float32 or float64, 1 GiB of int8) before
// reading its data. ReadNPYFile checks the file's size against the header
// first, then allocates once; ReadNPY, on a stream of unknown length,
// grows the array by doubling as the data arrives, from 1 MiB, so that a
// stream that ends early costs at most about three times what it held
// (while the array is copied to its doubled size), not what it declared.
package npz
