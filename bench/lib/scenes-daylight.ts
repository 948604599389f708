/** Daylight scenes for bench/lib/photo-scenes.ts: a landscape, a portrait, a street. */
import {
  ellipse,
  fractal,
  glow,
  mix,
  paint,
  profile,
  rect,
  scale,
  smoothstep,
  type Rgb,
  type Scene,
} from './paint.ts';

export const landscape: Scene = {
  name: 'landscape',
  width: 4000,
  height: 3000,
  camera: { blur: 0.6, grain: 3, chromaGrain: 1 },
  async paint(c, random, unit) {
    const { width: w, height: h } = c;
    const clouds = await fractal(w, h, { cellX: 900 * unit, cellY: 400 * unit, octaves: 7 }, random);
    const shade = await fractal(w, h, { cellX: 300 * unit, octaves: 4 }, random);
    const leaves = await fractal(w, h, { cellX: 40 * unit, octaves: 5, gain: 0.6 }, random);
    const twigs = await fractal(w, h, { cellX: 6, octaves: 2 }, random);
    const [far, near, edge] = [
      profile(w, 500 * unit, random),
      profile(w, 250 * unit, random),
      profile(w, 120 * unit, random),
    ];
    const horizon = h * 0.5;
    c.fill((x, y, i) => {
      const farTop = horizon - h * (0.09 + 0.035 * far[x]!);
      const nearTop = horizon + h * (0.03 - 0.03 * near[x]!);
      const bushTop = h * (0.7 - 0.025 * edge[x]!);
      if (y >= bushTop) {
        const g = mix([28, 52, 22], [118, 150, 48], 0.5 + 0.3 * leaves[i]!);
        const gap = smoothstep(-1.6, -0.6, twigs[i]! + 0.5 * leaves[i]!);
        return scale(g, (0.35 + 0.65 * gap) * (1 - 0.25 * ((y - bushTop) / h)), 6 * twigs[i]!);
      }
      if (y >= nearTop) {
        const trees = mix([66, 92, 44], [112, 100, 60], 0.5 + 0.3 * shade[i]! + 0.15 * leaves[i]!);
        return scale(trees, 0.9 + 0.08 * twigs[i]! * smoothstep(-0.5, 1, leaves[i]!));
      }
      if (y >= farTop) {
        const haze = (y - farTop) / (nearTop - farTop) + 0.12 * shade[i]! + 0.04 * leaves[i]!;
        return mix([118, 138, 160], [150, 165, 180], haze);
      }
      const t = y / horizon;
      const sky = mix([58, 110, 196], [196, 218, 240], t ** 0.8);
      const cover = smoothstep(0.2, 1.3, clouds[i]!) * (1 - 0.6 * t);
      return mix(sky, mix([248, 248, 250], [150, 156, 172], 0.45 + 0.35 * shade[i]!), cover);
    });
    // A weathered fence: hard vertical edges across the foliage.
    const grain = await fractal(w, h, { cellX: 3, cellY: 60 * unit, octaves: 3 }, random);
    for (let x = 150 * unit; x < w; x += 330 * unit) {
      const top = h * (0.72 + 0.01 * random.next());
      paint(c, rect(x, top, x + 70 * unit, h + 10, (random.next() - 0.5) * 0.03), (_x, _y, u, _v, i) =>
        scale([150, 128, 100], 0.8 + 0.25 * u, 14 * grain[i]!),
      );
    }
    paint(c, rect(-10, h * 0.79, w + 10, h * 0.79 + 40 * unit, -0.01), (_x, _y, _u, v, i) =>
      scale([140, 118, 92], 0.85 - 0.15 * v, 14 * grain[i]!),
    );
  },
};

export const portrait: Scene = {
  name: 'portrait',
  width: 3000,
  height: 4000,
  camera: { blur: 0.7, grain: 2.5, chromaGrain: 0.8 },
  async paint(c, random, unit) {
    const { width: w, height: h } = c;
    const back = await fractal(w, h, { cellX: 600 * unit, octaves: 3 }, random);
    c.fill((_x, y, i) => mix([48, 70, 62], [18, 28, 34], y / h + 0.15 * back[i]!));
    for (let k = 0; k < 50; k++) {
      const r = (40 + random.next() * 160) * unit * 1.33;
      const tint: Rgb = mix([255, 210, 150], [170, 220, 255], random.next());
      paint(
        c,
        ellipse(random.next() * w, random.next() * h * 0.8, r, r, 0, r * 0.25),
        () => tint,
        0.18 + 0.25 * random.next(),
      );
    }
    const strands = await fractal(w, h, { cellX: 2.5, cellY: 140 * unit, octaves: 3 }, random);
    const fine = await fractal(w, h, { cellX: 2, octaves: 2 }, random);
    const blotch = await fractal(w, h, { cellX: 150 * unit, octaves: 3 }, random);
    const folds = await fractal(w, h, { cellX: 400 * unit, octaves: 3 }, random);
    const [cx, cy] = [w * 0.5, h * 0.42];
    // Knit jumper: a small regular pattern under large soft folds.
    paint(c, ellipse(cx, h * 1.02, w * 0.55, h * 0.3, 0, 3), (x, y, _u, _v, i) => {
      const knit = Math.sin(x * 0.9 + Math.sin(y * 0.45) * 1.5) * Math.sin(y * 0.45);
      return scale([150, 42, 52], 0.8 + 0.12 * folds[i]!, 12 * knit + 4 * fine[i]!);
    });
    const skin = (u: number, v: number, i: number, base: Rgb = [214, 164, 134]): Rgb => {
      const light = 0.92 - 0.16 * u - 0.1 * v * v + 0.03 * blotch[i]!;
      return scale(mix(base, [205, 128, 118], 0.12 + 0.08 * blotch[i]!), light, 3.5 * fine[i]!);
    };
    paint(c, rect(cx - w * 0.09, cy, cx + w * 0.09, h * 0.8, 0, 2.5), (_x, _y, u, v, i) =>
      scale(skin(u, 0, i), 0.85 - 0.1 * v),
    );
    paint(c, ellipse(cx, cy - h * 0.05, w * 0.32, h * 0.3, 0, 2), (_x, _y, u, v, i) =>
      scale([66, 44, 30], 0.75 - 0.2 * v + 0.3 * strands[i]!, 10 * fine[i]!),
    );
    paint(c, ellipse(cx, cy, w * 0.22, h * 0.29, 0, 2.5), (_x, _y, u, v, i) => skin(u, v, i));
    for (const side of [-1, 1]) {
      paint(
        c,
        ellipse(cx + side * w * 0.12, cy + h * 0.07, w * 0.06, h * 0.035, 0, 60 * unit),
        () => [205, 110, 105],
        0.18,
      );
      const [ex, ey] = [cx + side * w * 0.085, cy - h * 0.02];
      paint(c, ellipse(ex, ey, w * 0.045, h * 0.014, 0, 1.5), (_x, _y, u) =>
        scale([236, 230, 224], 1 - 0.15 * u * u),
      );
      paint(c, ellipse(ex, ey, w * 0.014, w * 0.014, 0, 1.5), (_x, _y, u, v, i) =>
        scale([72, 98, 64], 0.8 + 0.25 * Math.hypot(u, v), 10 * fine[i]!),
      );
      paint(c, ellipse(ex, ey, w * 0.006, w * 0.006, 0, 1.2), () => [12, 10, 10]);
      glow(c, ex - w * 0.004, ey - w * 0.004, 5 * unit * 1.33, [255, 255, 255], 0.9);
      paint(c, ellipse(ex, ey - h * 0.04, w * 0.06, h * 0.008, side * 0.1, 2), (_x, _y, _u, _v, i) =>
        scale([58, 40, 30], 0.8 + 0.4 * strands[i]!),
      );
    }
    paint(
      c,
      ellipse(cx + w * 0.02, cy + h * 0.06, w * 0.03, h * 0.05, 0, 50 * unit),
      () => [150, 100, 84],
      0.3,
    );
    paint(c, ellipse(cx, cy + h * 0.16, w * 0.07, h * 0.018, 0, 2), (_x, _y, u, v, i) =>
      scale([176, 82, 88], 0.9 - 0.15 * v - 0.1 * u * u, 6 * fine[i]!),
    );
  },
};

export const street: Scene = {
  name: 'street',
  width: 3600,
  height: 2400,
  camera: { blur: 0.5, grain: 2.5, chromaGrain: 1 },
  async paint(c, random, unit) {
    const { width: w, height: h } = c;
    const texture = await fractal(w, h, { cellX: 8, octaves: 3 }, random);
    const dirt = await fractal(w, h, { cellX: 250 * unit, octaves: 4 }, random);
    c.fill((_x, y) => mix([62, 84, 146], [250, 184, 126], (y / h) * 1.3));
    const palette: Rgb[] = [
      [152, 150, 144],
      [150, 76, 56],
      [92, 112, 132],
      [202, 182, 142],
      [120, 110, 100],
    ];
    for (let x = -20 * unit; x < w;) {
      const bw = (180 + random.next() * 320) * unit;
      const top = h * (0.12 + random.next() * 0.5);
      const base = palette[Math.floor(random.next() * palette.length)]!;
      const lit = 0.8 + random.next() * 0.3;
      paint(c, rect(x, top, x + bw, h * 0.9), (_x, _y, u, _v, i) =>
        scale(base, lit * (1 - 0.06 * u), 10 * texture[i]! + 9 * dirt[i]!),
      );
      const [gx, gy] = [(40 + random.next() * 30) * unit, (60 + random.next() * 30) * unit];
      for (let wy = top + gy * 0.6; wy < h * 0.85 - gy; wy += gy) {
        for (let wx = x + gx * 0.5; wx < x + bw - gx * 0.8; wx += gx) {
          const on = random.next() < 0.12;
          const glass: Rgb = on ? [240, 208, 150] : mix([38, 48, 62], [150, 160, 180], random.next() * 0.5);
          paint(c, rect(wx - 2, wy - 2, wx + gx * 0.62 + 2, wy + gy * 0.62 + 2), () => scale(base, 1.2));
          paint(c, rect(wx, wy, wx + gx * 0.62, wy + gy * 0.62), (_x, _y, _u, v, i) =>
            scale(glass, 1 - 0.12 * v, 4 * texture[i]!),
          );
        }
      }
      x += bw + random.next() * 30 * unit;
    }
    paint(c, rect(-10, h * 0.9, w + 10, h + 10), (x, y, _u, _v, i) => {
      const line = Math.abs(y - h * 0.95) < 6 * unit && Math.floor(x / (160 * unit)) % 2 === 0;
      return line ? [226, 222, 210] : scale([64, 64, 68], 1 + 0.05 * dirt[i]!, 16 * texture[i]!);
    });
    // Overhead cables: thin, dark, slightly sagging lines with anti-aliased edges.
    for (let k = 0; k < 4; k++) {
      const [y0, y1, sag] = [h * (0.05 + 0.1 * k), h * (0.1 + 0.12 * k), h * 0.04];
      for (let x = 0; x < w; x++) {
        const t = x / w;
        const yc = y0 + (y1 - y0) * t + sag * 4 * t * (1 - t);
        for (let y = Math.floor(yc - 3); y <= yc + 3; y++) {
          if (y < 0 || y >= h) continue;
          const a = Math.max(0, Math.min(1, 1.6 - Math.abs(y - yc)));
          if (a > 0) c.set(y * w + x, [26, 24, 28], a);
        }
      }
    }
  },
};
