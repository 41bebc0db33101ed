// H update for 3x3 depthwise rows (K = 9), the bulk of the rows output-aware rounding samples on
// MobileNet-like models: the 45 upper-triangle entries live in locals for a whole block of rows.
// Every row is added, zero or not: for finite rows that equals skipping the zero factors (a
// zero factor adds +-0, which leaves a sum that is never -0 unchanged), and each entry
// receives its products in row order, so H is bit-identical to pot-hessian.ts's RowBlock.flush.
// The caller checks the rows are finite (0 * Inf is NaN, not 0).

/** h (9 x 9, upper triangle) += the f rows of 9 in buf, in row order. */
export function addRows9(h: Float64Array, buf: Float64Array, f: number): void {
  let h00 = h[0]!, h01 = h[1]!, h02 = h[2]!, h03 = h[3]!, h04 = h[4]!, h05 = h[5]!, h06 = h[6]!, h07 = h[7]!, h08 = h[8]!;
  let h11 = h[10]!, h12 = h[11]!, h13 = h[12]!, h14 = h[13]!, h15 = h[14]!, h16 = h[15]!, h17 = h[16]!, h18 = h[17]!;
  let h22 = h[20]!, h23 = h[21]!, h24 = h[22]!, h25 = h[23]!, h26 = h[24]!, h27 = h[25]!, h28 = h[26]!;
  let h33 = h[30]!, h34 = h[31]!, h35 = h[32]!, h36 = h[33]!, h37 = h[34]!, h38 = h[35]!;
  let h44 = h[40]!, h45 = h[41]!, h46 = h[42]!, h47 = h[43]!, h48 = h[44]!;
  let h55 = h[50]!, h56 = h[51]!, h57 = h[52]!, h58 = h[53]!;
  let h66 = h[60]!, h67 = h[61]!, h68 = h[62]!;
  let h77 = h[70]!, h78 = h[71]!;
  let h88 = h[80]!;
  for (let o = 0, e = f * 9; o < e; o += 9) {
    const x0 = buf[o + 0]!, x1 = buf[o + 1]!, x2 = buf[o + 2]!, x3 = buf[o + 3]!, x4 = buf[o + 4]!;
    const x5 = buf[o + 5]!, x6 = buf[o + 6]!, x7 = buf[o + 7]!, x8 = buf[o + 8]!;
    h00 += x0 * x0; h01 += x0 * x1; h02 += x0 * x2; h03 += x0 * x3; h04 += x0 * x4; h05 += x0 * x5; h06 += x0 * x6; h07 += x0 * x7; h08 += x0 * x8;
    h11 += x1 * x1; h12 += x1 * x2; h13 += x1 * x3; h14 += x1 * x4; h15 += x1 * x5; h16 += x1 * x6; h17 += x1 * x7; h18 += x1 * x8;
    h22 += x2 * x2; h23 += x2 * x3; h24 += x2 * x4; h25 += x2 * x5; h26 += x2 * x6; h27 += x2 * x7; h28 += x2 * x8;
    h33 += x3 * x3; h34 += x3 * x4; h35 += x3 * x5; h36 += x3 * x6; h37 += x3 * x7; h38 += x3 * x8;
    h44 += x4 * x4; h45 += x4 * x5; h46 += x4 * x6; h47 += x4 * x7; h48 += x4 * x8;
    h55 += x5 * x5; h56 += x5 * x6; h57 += x5 * x7; h58 += x5 * x8;
    h66 += x6 * x6; h67 += x6 * x7; h68 += x6 * x8;
    h77 += x7 * x7; h78 += x7 * x8;
    h88 += x8 * x8;
  }
  h[0] = h00; h[1] = h01; h[2] = h02; h[3] = h03; h[4] = h04; h[5] = h05; h[6] = h06; h[7] = h07; h[8] = h08;
  h[10] = h11; h[11] = h12; h[12] = h13; h[13] = h14; h[14] = h15; h[15] = h16; h[16] = h17; h[17] = h18;
  h[20] = h22; h[21] = h23; h[22] = h24; h[23] = h25; h[24] = h26; h[25] = h27; h[26] = h28;
  h[30] = h33; h[31] = h34; h[32] = h35; h[33] = h36; h[34] = h37; h[35] = h38;
  h[40] = h44; h[41] = h45; h[42] = h46; h[43] = h47; h[44] = h48;
  h[50] = h55; h[51] = h56; h[52] = h57; h[53] = h58;
  h[60] = h66; h[61] = h67; h[62] = h68;
  h[70] = h77; h[71] = h78;
  h[80] = h88;
}
