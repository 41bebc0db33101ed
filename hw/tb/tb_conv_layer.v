// Replays one conv layer's golden vectors through one processing element, output channel by
// output channel, and compares every output byte with the golden output (bit for bit).
// `define POTW selects pe_potw (weight codes), else pe_qc8w (int8 weights). Geometry and
// zero points come as parameters (iverilog -P), the exported memories as plusargs
// (+weights= +bias= +mult= +shift= +xin= +yout=, $readmemh files of doubleq export-hw).
// A 64-bit shadow accumulator checks that the ACC_W-bit accumulator never overflows.
`timescale 1ns/1ps
module tb_conv_layer;
  parameter NIMG = 1, H = 8, W = 8, C = 16, M = 16, KH = 3, KW = 3, SH = 1, SW = 1;
  parameter PT = 1, PL = 1, DH = 1, DW = 1, OH = 8, OW = 8;
  parameter ZX = 0, ZY = 0, QMIN = -128, QMAX = 127;
  parameter ACC_W = 24, CODE_W = 5;
`ifdef POTW
  localparam WW = CODE_W;
`else
  localparam WW = 8;
`endif
  localparam TAPS = KH * KW * C;

  reg [WW-1:0] wmem  [0:M*TAPS-1];
  reg [31:0]   bmem  [0:M-1];
  reg [31:0]   mmem  [0:M-1];
  reg [7:0]    smem  [0:M-1];
  reg [7:0]    xmem  [0:NIMG*H*W*C-1];
  reg [7:0]    ymem  [0:NIMG*OH*OW*M-1];
  reg [8*1024-1:0] fname;

  reg clk = 0, clear = 0, en = 0;
  reg signed [31:0] bias;
  reg signed [7:0] x;
  reg [WW-1:0] wq;
  reg [31:0] mult;
  reg [7:0] shift;
  wire signed [ACC_W-1:0] acc;
  wire signed [7:0] y;
  wire signed [7:0] zx = ZX, zy = ZY, qmin = QMIN, qmax = QMAX;

`ifdef POTW
  pe_potw #(.CODE_W(CODE_W), .ACC_W(ACC_W)) dut (.clk(clk), .clear(clear), .en(en), .bias(bias), .x(x), .zx(zx), .code(wq),
    .mult(mult), .shift(shift), .zy(zy), .qmin(qmin), .qmax(qmax), .acc(acc), .y(y));
`else
  pe_qc8w #(.ACC_W(ACC_W)) dut (.clk(clk), .clear(clear), .en(en), .bias(bias), .x(x), .zx(zx), .w(wq),
    .mult(mult), .shift(shift), .zy(zy), .qmin(qmin), .qmax(qmax), .acc(acc), .y(y));
`endif

  // the testbench's own weight decode, for the shadow accumulator
  function signed [63:0] wval(input [WW-1:0] q);
`ifdef POTW
    reg [CODE_W-2:0] mag;
    begin
      mag = q[CODE_W-2:0];
      wval = (mag == 0) ? 64'sd0 : (q[CODE_W-1] ? -(64'sd1 <<< (mag - 1)) : (64'sd1 <<< (mag - 1)));
    end
`else
    wval = $signed(q);
`endif
  endfunction

  task load(input [8*16-1:0] key);
    begin
      if (!$value$plusargs({key, "=%s"}, fname)) begin $display("FAIL missing +%0s", key); $finish; end
    end
  endtask

  task tick;
    begin #1 clk = 1; #1 clk = 0; end
  endtask

  integer img, oy, ox, m, ky, kx, ci, iy, ix, outputs, errors, overflows, cycles;
  reg signed [63:0] shadow, lo, hi;
  initial begin
    load("weights"); $readmemh(fname, wmem);
    load("bias");    $readmemh(fname, bmem);
    load("mult");    $readmemh(fname, mmem);
    load("shift");   $readmemh(fname, smem);
    load("xin");     $readmemh(fname, xmem);
    load("yout");    $readmemh(fname, ymem);
    outputs = 0; errors = 0; overflows = 0; cycles = 0;
    lo = -(64'sd1 <<< (ACC_W - 1)); hi = (64'sd1 <<< (ACC_W - 1)) - 1;
    for (img = 0; img < NIMG; img = img + 1)
      for (oy = 0; oy < OH; oy = oy + 1)
        for (ox = 0; ox < OW; ox = ox + 1)
          for (m = 0; m < M; m = m + 1) begin
            bias = bmem[m]; mult = mmem[m]; shift = smem[m];
            shadow = $signed(bmem[m]);
            clear = 1; en = 0; tick; clear = 0;
            for (ky = 0; ky < KH; ky = ky + 1)
              for (kx = 0; kx < KW; kx = kx + 1) begin
                iy = oy * SH - PT + ky * DH;
                ix = ox * SW - PL + kx * DW;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                  for (ci = 0; ci < C; ci = ci + 1) begin
                    x = xmem[((img * H + iy) * W + ix) * C + ci];
                    wq = wmem[((m * KH + ky) * KW + kx) * C + ci];
                    en = 1; tick; en = 0; cycles = cycles + 1;
                    shadow = shadow + ($signed(x) - ZX) * wval(wq);
                    if (shadow < lo || shadow > hi || $signed(acc) != shadow) overflows = overflows + 1;
                  end
              end
            #1;
            if (y !== $signed(ymem[((img * OH + oy) * OW + ox) * M + m])) begin
              if (errors < 5) $display("MISMATCH img %0d y %0d x %0d m %0d: got %0d want %0d (acc %0d)", img, oy, ox, m, y, $signed(ymem[((img * OH + oy) * OW + ox) * M + m]), acc);
              errors = errors + 1;
            end
            outputs = outputs + 1;
          end
    $display("RESULT outputs=%0d mismatches=%0d overflows=%0d taps=%0d acc_w=%0d", outputs, errors, overflows, cycles, ACC_W);
    if (errors == 0 && overflows == 0) $display("PASS"); else $display("FAIL");
    $finish;
  end
endmodule
