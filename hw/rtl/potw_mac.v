// Shift-add multiply-accumulate for one output channel with power-of-two weights.
// Weight code (src/hw/weight-memory.ts): top bit sign, the bits below a magnitude
// (0 = weight 0, else exponent + 1); weight = (-1)^sign * 2^(magnitude - 1).
// Each enabled cycle: acc += (x - zx) * weight, done as a shift and an add/subtract.
// ACC_W is the width `doubleq inspect --hw` reports for the layer: the partial sums provably
// fit, so no wider register is needed.
module potw_mac #(
  parameter CODE_W = 5,   // 5 (exponents 0..7) or 4 (exponents 0..6)
  parameter ACC_W  = 24
) (
  input  wire                     clk,
  input  wire                     clear,  // acc <= bias
  input  wire                     en,     // acc <= acc +- ((x - zx) << e)
  input  wire signed [ACC_W-1:0]  bias,
  input  wire signed [7:0]        x,
  input  wire signed [7:0]        zx,
  input  wire        [CODE_W-1:0] code,
  output reg  signed [ACC_W-1:0]  acc
);
  localparam MAG_W = CODE_W - 1;
  localparam EMAX  = CODE_W + 2;              // largest exponent: 7 (5-bit codes), 6 (4-bit)
  localparam P_W   = 9 + EMAX;                // |(x - zx) << e| < 2^(8 + EMAX)

  wire signed [8:0]       xd    = x - zx;     // in [-255, 255]
  wire        [MAG_W-1:0] mag   = code[MAG_W-1:0];
  wire                    neg   = code[CODE_W-1];
  wire signed [P_W:0]     xs    = xd;         // sign-extended
  wire signed [P_W:0]     sh    = xs <<< mag; // (x - zx) * 2^(e + 1), taken >> 1 below
  wire signed [P_W-1:0]   term  = (mag == 0) ? {P_W{1'b0}} : sh[P_W:1];
  // one adder: acc - term = acc + ~term + 1, the +1 entering as the carry of a low extra bit
  wire        [ACC_W-1:0] addend = {{(ACC_W-P_W){term[P_W-1]}}, term} ^ {ACC_W{neg}};
  wire                    cin    = neg & (mag != 0);
  wire        [ACC_W:0]   sum    = {acc, 1'b1} + {addend, cin};

  always @(posedge clk) begin
    if (clear)   acc <= bias;
    else if (en) acc <= sum[ACC_W:1];
  end
endmodule
