// Processing element, int8 weights: multiply-accumulate + requantization.
module pe_qc8w #(
  parameter ACC_W = 24
) (
  input  wire                    clk,
  input  wire                    clear,
  input  wire                    en,
  input  wire signed [31:0]      bias,
  input  wire signed [7:0]       x,
  input  wire signed [7:0]       zx,
  input  wire signed [7:0]       w,
  input  wire       [31:0]       mult,
  input  wire       [7:0]        shift,
  input  wire signed [7:0]       zy,
  input  wire signed [7:0]       qmin,
  input  wire signed [7:0]       qmax,
  output wire signed [ACC_W-1:0] acc,
  output wire signed [7:0]       y
);
  qc8w_mac #(.ACC_W(ACC_W)) mac (
    .clk(clk), .clear(clear), .en(en), .bias(bias[ACC_W-1:0]), .x(x), .zx(zx), .w(w), .acc(acc));
  requant #(.ACC_W(ACC_W)) rq (.acc(acc), .mult(mult), .shift(shift), .zy(zy), .qmin(qmin), .qmax(qmax), .y(y));
endmodule
