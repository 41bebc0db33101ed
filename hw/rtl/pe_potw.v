// Processing element, power-of-two weights: shift-add accumulator + requantization.
module pe_potw #(
  parameter CODE_W = 5,
  parameter ACC_W  = 24
) (
  input  wire                    clk,
  input  wire                    clear,
  input  wire                    en,
  input  wire signed [31:0]      bias,
  input  wire signed [7:0]       x,
  input  wire signed [7:0]       zx,
  input  wire       [CODE_W-1:0] code,
  input  wire       [31:0]       mult,
  input  wire       [7:0]        shift,
  input  wire signed [7:0]       zy,
  input  wire signed [7:0]       qmin,
  input  wire signed [7:0]       qmax,
  output wire signed [ACC_W-1:0] acc,
  output wire signed [7:0]       y
);
  potw_mac #(.CODE_W(CODE_W), .ACC_W(ACC_W)) mac (
    .clk(clk), .clear(clear), .en(en), .bias(bias[ACC_W-1:0]), .x(x), .zx(zx), .code(code), .acc(acc));
  requant #(.ACC_W(ACC_W)) rq (.acc(acc), .mult(mult), .shift(shift), .zy(zy), .qmin(qmin), .qmax(qmax), .y(y));
endmodule
