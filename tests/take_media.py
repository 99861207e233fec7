"""Generated single camera takes with the things that fool shot detection (never committed).

A take looks at a still "world" (a fractal rendered once, wider than the frame) through a handheld
camera with sensor grain; each kind adds one disturbance that must not read as a new shot.
"""
from __future__ import annotations

from pathlib import Path

from tests.footage_media import ffmpeg

#: Frame size of the takes and of their world (room for a whip pan).
SIZE = (320, 180)
WORLD = (1280, 240)

#: kind -> filters after the camera crop (``t`` seconds, ``n`` frames), or a whole chain for the camera.
DISTURBANCES = {
    "steady": "",
    "whip pan": "",  # the camera itself swings across the world (see take())
    "pan brightening to the end": "eq=brightness='0.2*clip((t-2.2)/0.8,0,1)':eval=frame",  # camera: see take()
    "exposure ramp": "eq=brightness='0.4*clip((t-1)/0.25,0,1)':eval=frame",
    "brightness jump": "eq=brightness='if(gte(t,2),0.3,0)':contrast='if(gte(t,2),1.4,1)':eval=frame",
    "white balance jump": "eq=gamma_r='if(gte(t,2),2.2,1)':gamma_b='if(gte(t,2),0.5,1)':eval=frame",
    "white balance ramp": "eq=gamma_r='1+1.2*clip((t-1)/0.4,0,1)':gamma_b='1-0.5*clip((t-1)/0.4,0,1)':eval=frame",
    "focus hunting": "split[a][b];[b]gblur=sigma=8[c];[a][c]blend=all_expr='A*(0.5-0.5*sin(T*5))+B*(0.5+0.5*sin(T*5))'",
    "fire flicker": "eq=brightness='0.25*sin(n*2.1)*cos(n*0.9)+0.1*sin(n*5.3)':gamma_r='1.2+0.3*sin(n*3.7)'"
                    ":eval=frame",
    "led flicker": "geq=lum='lum(X,Y)*(0.6+0.4*sin(Y/9+N*2.5))':cb='cb(X,Y)':cr='cr(X,Y)'",
    "flash": "eq=brightness='if(between(n,50,51),0.7,0)':eval=frame",
    "moving object": "",  # a box a third of the frame high crosses it fast (see take())
    "counter": "",  # a frame counter in a corner (see take())
    "shrinking element": "",  # a large box shrinks smoothly to nothing (see take())
}


def world(folder: Path) -> Path:
    """The still scene every take films, four different panels side by side (rendered once per folder)."""
    path = folder / "world.png"
    if not path.exists():
        w, h = WORLD[0] // 4, WORLD[1]
        ffmpeg("-filter_complex", f"mandelbrot=s={w}x{h}:start_scale=1.5:end_pts=10,hue=h=40[a];testsrc2=s={w}x{h}[b];"
               f"cellauto=s={w // 2}x{h // 2}:rule=110:random_seed=3,scale={w}:{h}:flags=neighbor,hue=h=200:s=2[c];"
               f"gradients=s={w}x{h}:seed=4,drawgrid=w=40:h=30:t=3:c=white@0.7,noise=alls=10[d];"
               "[a][b][c][d]hstack=4,format=rgb24", "-frames:v", "1", path)
    return path


def take(folder: Path, kind: str, seconds: float = 3.0, rate: str = "25", at: int = 100, shake: float = 1.0) -> Path:
    """Render one single take of ``kind`` (:data:`DISTURBANCES`) into ``folder``, looking at the world
    from ``at`` pixels (0..940: its four panels start at 0, 320, 640 and 960), hand-held (``shake`` 1) or
    nearly still (0.2)."""
    w, h = SIZE
    if kind == "whip pan":  # rests, swings 900 px in 0.4 s (blurred), rests again
        x = f"40+900*clip((t-1.6)/0.4,0,1)*clip((t-1.6)/0.4,0,1)*(3-2*clip((t-1.6)/0.4,0,1))"
    elif kind == "pan brightening to the end":  # turns away ever faster until the take ends, exposure following
        x = f"{at}+{12 * shake:g}*sin(t*5)+150*clip((t-2.2)/0.8,0,1)*clip((t-2.2)/0.8,0,1)"
    else:
        x = f"{at}+{12 * shake:g}*sin(t*5)+{6 * shake:g}*sin(t*13)"
    camera = f"crop={w}:{h}:x='{x}':y='30+{8 * shake:g}*cos(t*7)',noise=alls=6:allf=t"
    if kind == "whip pan":
        camera += ",tmix=frames=3"
    chain = ",".join(c for c in (camera, DISTURBANCES[kind]) if c)
    graph = f"[0:v]fps={rate},format=yuv420p,{chain}[t]"
    inputs = ["-loop", "1", "-framerate", rate, "-t", str(seconds), "-i", world(folder)]
    if kind == "moving object":
        inputs += ["-f", "lavfi", "-i", f"color=c=red:s=60x60:r={rate}"]
        graph += f";[t][1:v]overlay=x='mod(t*600,{w})-30':y=60:shortest=1[t]"
    if kind == "shrinking element":
        inputs += ["-f", "lavfi", "-i", f"color=c=white:s=160x120:r={rate}"]
        graph += (";[1:v]scale=w='max(2,160*(1-clip((t-1)/2,0,1)))':h='max(2,120*(1-clip((t-1)/2,0,1)))':eval=frame[e];"
                  "[t][e]overlay=x=(W-w)/2:y=(H-h)/2:shortest=1[t]")
    if kind == "counter":
        inputs += ["-f", "lavfi", "-i", f"testsrc=s=96x54:r={rate}"]
        graph += ";[t][1:v]overlay=x=8:y=8:shortest=1[t]"
    path = folder / f"{kind.replace(' ', '_')}_{rate.replace('/', '_')}_{at}_{shake:g}.mp4"
    ffmpeg(*inputs, "-filter_complex", graph.replace("[t];[t]", "[u];[u]").replace("[t];[1:v]scale", "[u];[1:v]scale").replace("[e];[t]", "[e];[u]"), "-map", "[t]", "-t", str(seconds),
           "-r", rate, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)
    return path
