/** Texture-heavy scenes for bench/lib/photo-scenes.ts: leaves close up, a beach, a night street. */
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

export const leaves: Scene = {
  name: 'leaves',
  width: 3200,
  height: 2400,
  camera: { blur: 0.6, grain: 3, chromaGrain: 1.2 },
  async paint(c, random, unit) {
    const { width: w, height: h } = c;
    const back = await fractal(w, h, { cellX: 260 * unit, octaves: 3 }, random);
    const fine = await fractal(w, h, { cellX: 3, octaves: 2 }, random);
    c.fill((_x, _y, i) => mix([14, 34, 16], [70, 100, 40], 0.45 + 0.25 * back[i]!));
    const greens: Rgb[] = [
      [62, 122, 40],
      [92, 150, 52],
      [42, 92, 34],
      [132, 160, 60],
      [160, 130, 50],
    ];
    // Far leaves first, soft and dark (out of focus); near ones last, large and crisp.
    for (let k = 0; k < 260; k++) {
      const depth = k / 260;
      const rx = (50 + random.next() * 120 + depth * 120) * unit * 1.25;
      const ry = rx * (0.32 + random.next() * 0.16);
      const [x, y, angle] = [random.next() * w, random.next() * h, random.next() * Math.PI];
      const base = scale(greens[Math.floor(random.next() * greens.length)]!, 0.55 + 0.5 * depth);
      const feather = depth < 0.5 ? (0.5 - depth) * rx * 0.5 + 1 : 1.2;
      paint(c, ellipse(x, y, rx, ry, angle, feather), (_x, _y, u, v, i) => {
        const vein = Math.abs(v) < 0.05 ? 0.75 : 1;
        const side = 0.9 + 0.04 * Math.sin(u * 14 + Math.abs(v) * 9);
        return scale(base, vein * side * (1 - 0.2 * v), depth * 7 * fine[i]!);
      });
      if (depth > 0.7 && random.next() < 0.3) {
        glow(
          c,
          x + rx * 0.3 * Math.cos(angle),
          y + rx * 0.3 * Math.sin(angle),
          5 * unit * 1.25,
          [255, 255, 240],
          1.2,
        );
      }
    }
  },
};

export const beach: Scene = {
  name: 'beach',
  width: 4000,
  height: 2250,
  camera: { blur: 0.6, grain: 2.5, chromaGrain: 1 },
  async paint(c, random, unit) {
    const { width: w, height: h } = c;
    const waves = await fractal(w, h, { cellX: 260 * unit, cellY: 8 * unit, octaves: 5 }, random);
    const sand = await fractal(w, h, { cellX: 2, octaves: 2 }, random);
    const dunes = await fractal(w, h, { cellX: 500 * unit, octaves: 4 }, random);
    const haze = await fractal(w, h, { cellX: 800 * unit, cellY: 200 * unit, octaves: 5 }, random);
    const shore = profile(w, 400 * unit, random);
    const [horizon, foamLine] = [h * 0.4, h * 0.6];
    c.fill((x, y, i) => {
      if (y < horizon) {
        const sky = mix([120, 170, 224], [222, 232, 240], (y / horizon) ** 1.5);
        return mix(sky, [240, 240, 244], 0.25 * smoothstep(0, 2, haze[i]!));
      }
      const edge = foamLine + h * 0.015 * shore[x]!;
      if (y < edge) {
        const depth = (y - horizon) / (edge - horizon);
        const sea = mix([28, 78, 118], [52, 142, 160], depth + 0.15 * waves[i]!);
        const cap = smoothstep(1.3, 2.2, waves[i]!) * (0.4 + depth);
        return mix(sea, [236, 242, 244], cap + smoothstep(edge - 14 * unit, edge, y) * 0.8);
      }
      const wet = 1 - smoothstep(edge, edge + h * 0.06, y);
      const ripple = Math.sin((y * 0.06) / unit + 3 * dunes[i]!) * 6;
      return scale(mix([214, 188, 148], [150, 126, 96], wet), 1 + 0.04 * dunes[i]!, 13 * sand[i]! + ripple);
    });
    // A striped towel (hard, straight edges in colour) and legs on it (skin and soft shading).
    const [tx, ty] = [w * 0.62, h * 0.8];
    paint(
      c,
      rect(tx - w * 0.14, ty - h * 0.1, tx + w * 0.14, ty + h * 0.1, -0.12, 1.2),
      (_x, _y, u, _v, i) => {
        const stripe = Math.floor((u + 1) * 7) % 3;
        const colour: Rgb = stripe === 0 ? [222, 62, 52] : stripe === 1 ? [244, 236, 220] : [40, 92, 170];
        return scale(colour, 0.95, 8 * sand[i]!);
      },
    );
    for (const dy of [-0.035, 0.035]) {
      paint(c, ellipse(tx, ty + h * dy, w * 0.12, h * 0.028, -0.12, 2), (_x, _y, u, v, i) =>
        scale([200, 146, 112], 0.95 - 0.2 * v - 0.05 * u, 3 * sand[i]!),
      );
    }
  },
};

export const night: Scene = {
  name: 'night',
  width: 3000,
  height: 2000,
  camera: { blur: 0.7, grain: 9, chromaGrain: 4 },
  async paint(c, random, unit) {
    const { width: w, height: h } = c;
    const streaks = await fractal(w, h, { cellX: 4, cellY: 200 * unit, octaves: 3 }, random);
    const rough = await fractal(w, h, { cellX: 30 * unit, octaves: 4 }, random);
    const block = 160 * unit;
    const roofs = Array.from({ length: Math.ceil(w / block) + 1 }, () => random.next());
    const road = h * 0.66;
    c.fill((x, y, i) => {
      if (y >= road) return scale([22, 22, 28], 1 + 0.15 * rough[i]!);
      const roof = h * (0.26 + 0.14 * roofs[Math.floor(x / block)]!);
      if (y >= roof) return scale([16, 15, 20], 1 + 0.1 * rough[i]!);
      return mix([8, 12, 30], [30, 28, 48], y / road);
    });
    for (let k = 0; k < 120; k++) {
      const [x, y] = [random.next() * w, h * (0.38 + random.next() * 0.25)];
      const size = 14 * unit * 1.33;
      paint(
        c,
        rect(x, y, x + size, y + size * 1.4),
        () => mix([255, 196, 120], [170, 200, 255], random.next() * 0.3),
        0.8,
      );
    }
    for (let k = 0; k < 7; k++) {
      const [x, y] = [w * (0.08 + k * 0.14), h * (0.22 + 0.04 * random.next())];
      paint(c, rect(x - 6 * unit, y, x + 6 * unit, road), () => [26, 26, 30]);
      glow(c, x, y, 90 * unit * 1.33, [255, 170, 80], 0.6);
      glow(c, x, y, 14 * unit * 1.33, [255, 236, 200], 1.6);
      // Its reflection on the wet road: a broken vertical streak under the lamp.
      for (let yy = Math.round(road); yy < h; yy++) {
        const fade = Math.exp(-(yy - road) / (h * 0.2));
        for (let xx = Math.max(0, Math.round(x - 60 * unit)); xx < Math.min(w, x + 60 * unit); xx++) {
          const i = yy * w + xx;
          const across = Math.exp(-(((xx - x) / (25 * unit)) ** 2));
          c.add(i, [255, 160, 70], 0.5 * fade * across * smoothstep(-0.5, 1.5, streaks[i]!));
        }
      }
    }
  },
};
