// Package figure draws dale's PNG figures with gonum.org/v1/plot: line
// figures (loss and accuracy curves, psychometric curves, ...), heat maps of
// matrices (HeatMap) and connectivity masks in three colours (SignedMask).
// Every figure is written atomically, so a crash never leaves half a PNG.
//
// Matrices are drawn the way they are printed: row 0 at the top, column 0
// on the left, one cell per entry. Matrices larger than the drawing area
// are shrunk by averaging the colours of the cells that fall in a pixel, so
// block densities stay visible. Figure holds one plot plus a legend beside
// it; new kinds of figure can fill Figure.Plot with any gonum plotter and
// call SavePNG.
package figure
