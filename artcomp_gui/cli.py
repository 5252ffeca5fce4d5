"""Command line: ``artcomp info | score | train | gui``.

Exit status: 0 on success, 1 when some images failed or training failed, 2 on a usage
error (argparse's own convention).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from artcomp_gui import __version__

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder with model_card.json and its weights (default: the bundled model)",
    )
    parser.add_argument(
        "--device",
        default=None,
        metavar="NAME",
        help="torch device: auto, cpu, cuda, cuda:N or mps (default: auto, or $ARTCOMP_DEVICE)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="artcomp",
        description="Score paintings and photographs on composition attributes.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress details to stderr"
    )
    parser.add_argument("--version", action="version", version=f"artcomp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    info = commands.add_parser(
        "info",
        help="print the model card, device and tapped layers",
        description="Print the model card, the device, the backbone's sha256 and the "
        "tapped layers.",
    )
    add_model_options(info)
    info.add_argument(
        "--json", action="store_true", help="print JSON instead of a summary"
    )

    from artcomp_gui.score_command import add_score_arguments

    score = commands.add_parser(
        "score",
        help="score image files and folders into a CSV or JSON file",
        description="Score image files and folders. Exit status 0 when every image was "
        "scored, 1 when some failed, 2 on a usage error.",
    )
    add_model_options(score)
    add_score_arguments(score)

    train = commands.add_parser(
        "train",
        help="train attribute heads from a config file",
        description="Train ridge attribute heads on cached backbone features and write "
        "heads, model card and evaluation page.",
    )
    train.add_argument(
        "--config", type=Path, required=True, help="training config (TOML)"
    )
    train.add_argument(
        "--data-root",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder that relative image and label paths in the config are resolved "
        "against (default: the config's folder)",
    )
    train.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for heads and model card",
    )
    train.add_argument(
        "--cache", type=Path, default=None, metavar="DIR", help="feature cache folder"
    )
    train.add_argument(
        "--finetune",
        action="store_true",
        help="after the ridge heads, unfreeze the backbone and fine-tune it (needs a GPU "
        "to be practical)",
    )
    train.add_argument(
        "--epochs", type=int, default=3, help="fine-tuning epochs (default 3)"
    )
    train.add_argument(
        "--learning-rate",
        type=float,
        default=1e-5,
        help="fine-tuning learning rate of the backbone; heads use 100 times more "
        "(default 1e-5)",
    )
    train.add_argument(
        "--device", default=None, metavar="NAME", help="torch device for fine-tuning"
    )

    gui = commands.add_parser(
        "gui",
        help="open the desktop explorer",
        description="Open the desktop explorer; images given are opened and folders scored.",
    )
    add_model_options(gui)
    gui.add_argument("paths", nargs="*", help="images or folders to open")
    return parser


def run_info(args: argparse.Namespace) -> int:
    from artcomp_gui.model import load_model

    model = load_model(args.model, args.device)
    description = model.describe()
    if args.json:
        print(json.dumps(description, indent=2, ensure_ascii=False))
        return EXIT_OK

    card = model.card
    print(f"model:    {card.name}")
    print(f"design:   {card.design} ({description['feature_dimension']} features)")
    print(f"device:   {description['device_name']} ({description['device']})")
    print(f"backbone: {card.backbone.file} sha256 {card.backbone.sha256}")
    print(f"taps:     {', '.join(description['tapped_layers'])}")
    for spec in card.head_specs:
        spearman = spec.accuracy.get("spearman")
        figure = f"Spearman {spearman:.2f}" if spearman is not None else "not measured"
        print(
            f"  {spec.label:<20} [{spec.low:g}, {spec.high:g}]  {figure}  {spec.source.get('summary', '')}"
        )
    return EXIT_OK


def run_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from artcomp_gui.training.config import read_config
    from artcomp_gui.training.train import train_heads

    config = read_config(args.config, args.data_root)
    if args.cache is not None:
        config = replace(config, cache=args.cache)
    output = args.output or config.output
    card = train_heads(config, output)

    if args.finetune:
        from artcomp_gui.training.finetune import finetune

        finetune(
            config,
            output,
            epochs=args.epochs,
            learning_rate=args.learning_rate,
            device=args.device,
        )

    for spec in card.head_specs:
        print(
            f"{spec.label:<20} held-out Spearman {spec.accuracy.get('spearman', float('nan')):.3f}"
        )
    print(f"wrote {output}")
    return EXIT_OK


def run_gui(args: argparse.Namespace) -> int:
    from artcomp_gui.ui.app import main as gui_main

    return gui_main(args.paths, args.model, args.device)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "gui":
        configure_logging(args.verbose)

    if args.command == "info":
        runner = run_info
    elif args.command == "score":
        from artcomp_gui.score_command import run_score

        runner = run_score
    elif args.command == "train":
        runner = run_train
    else:
        runner = run_gui

    try:
        return runner(args)
    except (FileNotFoundError, ValueError) as error:
        print(f"artcomp {args.command}: {error}", file=sys.stderr)
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        print(f"artcomp {args.command}: interrupted", file=sys.stderr)
        return 130


def gui_entry_point() -> int:
    """Console script ``artcomp-gui``."""
    return main(["gui", *sys.argv[1:]])
