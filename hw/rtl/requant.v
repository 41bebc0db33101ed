// Requantization of an accumulator to int8, exactly as doubleq's integer engine does it:
//   y = clamp(zy + floor((acc * mult + 2^(shift-1)) / 2^shift), qmin, qmax)
// mult in [2^30, 2^31) (unsigned), shift in [1, 62]; round half toward +infinity.
// The product is kept at full width (at least 65 bits) so nothing wraps for any shift.
module requant #(
  parameter ACC_W = 24
) (
  input  wire signed [ACC_W-1:0] acc,
  input  wire        [31:0]      mult,
  input  wire        [7:0]       shift,
  input  wire signed [7:0]       zy,
  input  wire signed [7:0]       qmin,
  input  wire signed [7:0]       qmax,
  output wire signed [7:0]       y
);
  localparam PW = (ACC_W + 33 > 65) ? ACC_W + 33 : 65;
  wire signed [PW-1:0] a    = acc;
  wire signed [PW-1:0] m    = $signed({1'b0, mult});
  wire signed [PW-1:0] prod = a * m;
  wire signed [PW-1:0] half = {{(PW-1){1'b0}}, 1'b1} << (shift - 8'd1);
  wire signed [PW-1:0] q    = (prod + half) >>> shift;
  wire signed [PW-1:0] v    = q + zy;
  assign y = (v < qmin) ? qmin : (v > qmax) ? qmax : v[7:0];
endmodule
