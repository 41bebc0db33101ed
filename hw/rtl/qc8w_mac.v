// Multiply-accumulate for one output channel with int8 weights (for comparison with potw_mac).
// Each enabled cycle: acc += (x - zx) * w.
module qc8w_mac #(
  parameter ACC_W = 24
) (
  input  wire                    clk,
  input  wire                    clear,  // acc <= bias
  input  wire                    en,     // acc <= acc + (x - zx) * w
  input  wire signed [ACC_W-1:0] bias,
  input  wire signed [7:0]       x,
  input  wire signed [7:0]       zx,
  input  wire signed [7:0]       w,
  output reg  signed [ACC_W-1:0] acc
);
  wire signed [8:0]  xd   = x - zx;       // in [-255, 255]
  wire signed [16:0] prod = xd * w;       // |prod| <= 255 * 127

  always @(posedge clk) begin
    if (clear)   acc <= bias;
    else if (en) acc <= acc + prod;
  end
endmodule
